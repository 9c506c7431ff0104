package dev.pgnest.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate rehearse} on a PHYSICAL backup: a target at V1 whose archive_command is the
 * real CLI, a {@code backup physical} of it, and pending migrations rehearsed on a scratch
 * cluster recovered from that base backup and the archived WAL, reached over JDBC on 127.0.0.1.
 */
@IntegrationTest
class MigrateRehearsePhysicalTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b
            .setting("wal_level", "replica")
            .setting("archive_mode", "on")
            .setting("archive_timeout", "60s")
            .setting("archive_command", archiveCommand()));

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The target as a whole: rows, schema and migration history. */
    private static final String TARGET_STATE = "select md5(string_agg(f::text, '|' order by id)) || ' '"
            + " || (select count(*) from pg_indexes where tablename = 'feedings') || ' '"
            + " || (select count(*) from information_schema.columns where table_name = 'feedings') || ' '"
            + " || (select string_agg(version || ':' || success, ',' order by installed_rank) from flyway_schema_history)"
            + " from feedings f";

    private static PostgresCluster pg; // started by servers
    @TempDir
    static Path tmp;
    private static String backupId;
    private static String before;

    /** This module's pgnest as a shell command for archive_command, on an fs repository in tmp. */
    private static String archiveCommand() {
        return CliProcess.shellCommand(tmp, pushEnv()) + " wal push %p";
    }

    private static Map<String, String> pushEnv() {
        return Map.of("PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", tmp.resolve("repo").toString(),
                "PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString(), "PGNEST_LOG_LEVEL", "warn");
    }

    @BeforeAll
    static void targetAtV1WithAPhysicalBackup() throws Exception {
        pg.createDatabase("app");
        Path v1 = migrations("v1");
        CliRun init = pgnest(v1, "repo", "init");
        assertThat(init.exitCode()).as(init.err()).isZero();
        CliRun deploy = pgnest(v1, "migrate", "deploy");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        // baby 7's note repeats (every 1,000 rows): a unique index on (baby_id, note) cannot be built
        pg.execute("app", "INSERT INTO feedings SELECT g, g % 500, g % 300, 'feeding ' || (g % 1000) FROM generate_series(1, 20000) g");
        CliRun backup = pgnest(v1, "backup", "physical", "-o", "json");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        backupId = JSON.readTree(backup.out()).path("manifest").path("id").asText();
        assertThat(backupId).endsWith("P");
        before = pg.queryForString("app", TARGET_STATE);
    }

    private static Path migrations(String name, String... files) throws Exception {
        return MigrateRehearseCommandTest.migrations(tmp, name, files);
    }

    private static Map<String, String> env() {
        Map<String, String> env = MigrateRehearseCommandTest.targetEnv(pg, tmp);
        env.put("PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString());
        env.put("PGNEST_RESTORE_TIMEOUT", "3m");
        env.put("PGNEST_RESTORE_SCRATCH_DIR", tmp.resolve("scratch").toString());
        // the recovered server runs as the harness's do, so that its restore_command can run this JVM's classpath
        if (pg.runAs() == PostgresCluster.RunAs.USER_NAMESPACE) {
            env.put("PGNEST_RESTORE_OS_USER", "user-namespace");
        } else if (!ServerAccount.isRoot()) {
            env.put("PGNEST_RESTORE_OS_USER", System.getProperty("user.name"));
        }
        env.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(tmp.resolve("pgnest-restore"), pushEnv()).toString());
        return env;
    }

    private static CliRun pgnest(Path migrations, String... args) {
        return MigrateRehearseCommandTest.pgnest(env(), tmp, migrations, args);
    }

    private static void assertTargetUntouchedAndNoScratchLeft() throws Exception {
        assertThat(pg.queryForString("app", TARGET_STATE)).isEqualTo(before);
        try (Stream<Path> left = Files.list(tmp.resolve("scratch"))) {
            assertThat(left).isEmpty();
        }
        // the copy was promoted to timeline 2 with archiving off: nothing of it reached the target's archive
        try (Stream<Path> archived = Files.walk(tmp.resolve("repo"))) {
            assertThat(archived.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("00000002"));
        }
    }

    @Test
    void uniqueIndexOnDuplicateRowsFailsOnTheRecoveredCopyAndTheTargetIsUntouched() throws Exception {
        Path dir = migrations("unique", "CREATE UNIQUE INDEX feedings_baby_note ON feedings (baby_id, note);",
                "ALTER TABLE feedings ADD COLUMN source text;");

        CliRun run = pgnest(dir, "migrate", "rehearse");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.out()).contains("V2__step2.sql\n  line 1: ",
                ", FAILED 23505: ERROR: could not create unique index \"feedings_baby_note\"",
                "attention: V2__step2.sql:1 failed because of the data: ERROR: could not create unique index \"feedings_baby_note\"")
                .doesNotContain("V3__step3.sql")
                .contains("of target default on backup " + backupId + ": 1 migrations, 1 statements, 1 need attention\n");
        Path file = MigrateRehearseCommandTest.report(run);
        assertThat(Files.readString(file)).contains("**NEEDS ATTENTION**", "(caused by the data)", "## Restore of the scratch copy",
                "| restore files |", "| recovery replay |", "| tear down |");
        JsonNode json = JSON.readTree(file.resolveSibling(file.getFileName().toString().replace(".md", ".json")).toFile());
        assertThat(json.at("/trace/migrations/0/statements/0/failure/dataCaused").asBoolean()).isTrue();
        assertThat(json.at("/backup").asText()).isEqualTo(backupId);
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void aMigrationTheDataAllowsPassesOnTheBackupById() throws Exception {
        Path dir = migrations("passes", "ALTER TABLE feedings ADD COLUMN source text;",
                "CREATE INDEX feedings_baby ON feedings (baby_id);");

        CliRun run = pgnest(dir, "migrate", "rehearse", "--backup", backupId, "-o", "json");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.at("/needsAttention").asBoolean()).isFalse();
        assertThat(r.at("/backup").asText()).isEqualTo(backupId);
        assertThat(r.at("/trace/migrations")).hasSize(2);
        assertThat(r.at("/trace/migrations/1/statements/0/failure").isMissingNode()
                || r.at("/trace/migrations/1/statements/0/failure").isNull()).isTrue();
        assertTargetUntouchedAndNoScratchLeft();
    }
}
