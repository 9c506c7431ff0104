package dev.pgnest.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrateCommandsTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresCluster pg;

    @TempDir
    Path dir;

    private String db;
    private Path migrations;

    @BeforeAll
    static void startCluster() {
        pg = PostgresCluster.builder().start();
    }

    @AfterAll
    static void stopCluster() {
        if (pg != null) {
            pg.close();
        }
    }

    private final Map<String, String> extraEnv = new java.util.HashMap<>();

    private Map<String, String> env() {
        if (db == null) {
            db = "cli" + COUNTER.incrementAndGet();
            pg.createDatabase(db);
            migrations = dir.resolve("migrations");
        }
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + db);
        env.put("PGNEST_DB_PASSWORD", pg.password());
        return env;
    }

    private CliRun pgnest(String... args) {
        Map<String, String> env = env();
        List<String> all = new ArrayList<>(List.of(args));
        if (args.length >= 2 && args[0].equals("migrate")) {
            all.add("--migrations");
            all.add(migrations.toString());
        }
        return CliRun.run(env, dir, all.toArray(String[]::new));
    }

    private void file(String name, String sql) throws Exception {
        env();
        Files.createDirectories(migrations);
        Files.writeString(migrations.resolve(name), sql);
    }

    private String query(String sql) {
        return pg.queryForString(db, sql);
    }

    @Test
    void deployAppliesAndStatusGatesOnPending() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        CliRun pending = pgnest("migrate", "status");
        assertThat(pending.exitCode()).isEqualTo(3);
        assertThat(pending.out()).containsPattern("⏳\\s+1\\s+pending\\s+create babies").contains("needs attention: 1 pending");

        CliRun deploy = pgnest("migrate", "deploy");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        assertThat(deploy.out()).containsPattern("applied V1 create babies \\(\\d+ ms\\)")
                .contains("target default migrated from version <empty> to 1 (1 applied)");
        assertThat(query("SELECT to_regclass('babies')::text")).isEqualTo("babies");

        CliRun status = pgnest("migrate", "status", "--output", "json");
        assertThat(status.exitCode()).isZero();
        JsonNode json = JSON.readTree(status.out());
        assertThat(json.at("/currentVersion").asText()).isEqualTo("1");
        assertThat(json.at("/needsAttention").asBoolean()).isFalse();
        assertThat(json.at("/migrations/0/status").asText()).isEqualTo("applied");
        assertThat(json.at("/migrations/0/appliedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(pgnest("migrate", "status").out()).contains("database schema is up to date");
    }

    @Test
    void deployAsJsonAndDryRunChangingNothing() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);\n");
        file("V2__index_babies.sql", "CREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);\n");
        CliRun dry = pgnest("migrate", "deploy", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).isEqualTo("""
                -- V1 create babies (V1__create_babies.sql)
                CREATE TABLE babies (id bigint PRIMARY KEY);

                -- V2 index babies (V2__index_babies.sql) [runs outside a transaction]
                CREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);

                """);
        assertThat(query("SELECT to_regclass('babies')::text")).isNull();

        CliRun deploy = pgnest("migrate", "deploy", "--output", "json");
        assertThat(deploy.exitCode()).isZero();
        JsonNode json = JSON.readTree(deploy.out());
        assertThat(json.at("/versionAfter").asText()).isEqualTo("2");
        assertThat(json.at("/applied/1/transactional").asBoolean()).isFalse();
        assertThat(json.at("/applied/0/durationMs").isNumber()).isTrue();
    }

    @Test
    void runMigrationsFalseSkipsDeploy() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        extraEnv.put("RUN_MIGRATIONS", "false");
        CliRun r = pgnest("migrate", "deploy");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("RUN_MIGRATIONS=false: skipping migrate deploy\n");
        assertThat(query("SELECT to_regclass('flyway_schema_history')::text")).isNull();
        assertThat(JSON.readTree(pgnest("migrate", "deploy", "-o", "json").out()).at("/skipped").asBoolean()).isTrue();
    }

    @Test
    void failedMigrationShowsAsFailedAndResolveRolledBackThenDeployRecovers() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\nSELECT * FROM missing_table;\n");
        CliRun failed = pgnest("migrate", "deploy");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).startsWith("error: migration 2 (add nickname) failed at line 2: ERROR: relation \"missing_table\" does not exist")
                .contains("resolve --rolled-back 2");
        assertThat(failed.err().strip().lines()).hasSize(1);
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")).isEqualTo("0");

        CliRun status = pgnest("migrate", "status");
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.out()).containsPattern("❌\\s+2\\s+failed\\s+add nickname");

        CliRun resolve = pgnest("migrate", "resolve", "--rolled-back", "2");
        assertThat(resolve.exitCode()).isZero();
        assertThat(resolve.out()).isEqualTo("migration 2 marked rolled back on target default (was failed, now pending)\n");

        file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\n");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")).isEqualTo("1");
        assertThat(pgnest("migrate", "status").exitCode()).isZero();
    }

    @Test
    void resolveNeedsExactlyOneAction() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        CliRun r = pgnest("migrate", "resolve");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--applied=VERSION").contains("--rolled-back=VERSION");
    }

    @Test
    void validateNamesAnEditedAppliedMigration() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        assertThat(pgnest("migrate", "validate").out()).isEqualTo("1 applied migrations match their files\n");
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text);");
        CliRun r = pgnest("migrate", "validate");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).startsWith("V1 (V1__create_babies.sql) was edited after it was applied: checksum ")
                .endsWith("1 of 1 applied migrations do not match their files\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "validate", "-o", "json").out());
        assertThat(json.at("/problems/0/status").asText()).isEqualTo("CHECKSUM_CHANGED");
        assertThat(pgnest("migrate", "status").out()).containsPattern("✏️\\s+1\\s+checksum changed");
    }

    @Test
    void baselineAdoptsAnExistingDatabase() throws Exception {
        env();
        pg.execute(db, "CREATE TABLE babies (id bigint PRIMARY KEY)");
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint PRIMARY KEY);");
        CliRun refused = pgnest("migrate", "deploy");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("already has tables but no migration history");
        CliRun r = pgnest("migrate", "baseline", "--version", "1");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("target default baselined at version 1 (baseline)\n");
        assertThat(pgnest("migrate", "deploy").out()).contains("applied V2 create sleeps").doesNotContain("applied V1");
    }

    @Test
    void createMakesATimestampedFileAndRefusesVagueNames() throws Exception {
        env();
        CliRun r = pgnest("migrate", "create", "add_baby_nickname");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).matches("created .*/migrations/V\\d{14}__add_baby_nickname\\.sql\\n");
        try (var files = Files.list(migrations)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).singleElement()
                    .satisfies(n -> assertThat(n).matches("V\\d{14}__add_baby_nickname\\.sql"));
        }
        CliRun vague = pgnest("migrate", "create", "update");
        assertThat(vague.exitCode()).isEqualTo(2);
        assertThat(vague.err()).isEqualTo("error: migration name 'update' is too vague: say what changes, e.g. "
                + "add_baby_nickname or index_feeding_logs_started_at\n");
        assertThat(pgnest("migrate", "create", "AddNickname").err()).contains("is not snake_case");
    }

    @Test
    void lintReportsRuleIdsAndExitsThreeOnErrors() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, nick text);");
        file("V2__drop_nick.sql", "ALTER TABLE babies DROP COLUMN nick;");
        CliRun r = pgnest("migrate", "lint");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).contains("error: " + migrations.resolve("V2__drop_nick.sql") + ":1 drop-column: ")
                .contains("warning: " + migrations.resolve("V2__drop_nick.sql") + ":1 missing-lock-timeout: ")
                .endsWith("2 files, 1 errors, 1 warnings\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "lint", "-o", "json").out());
        assertThat(json.at("/findings/0/rule").asText()).isEqualTo("drop-column");
        assertThat(json.at("/findings/0/safePattern").asText()).contains("expand/contract");

        CliRun rules = pgnest("migrate", "lint", "--rules", "-o", "json");
        assertThat(JSON.readTree(rules.out()).size()).isEqualTo(15);
        file("V2__drop_nick.sql", "-- pgnest-lint-disable drop-column\nSET LOCAL lock_timeout = '5s';\nALTER TABLE babies DROP COLUMN nick;");
        assertThat(pgnest("migrate", "lint").exitCode()).isZero();
    }

    @Test
    void diffIsQuietOnAMigratedDatabaseAndReportsAColumnAddedByHand() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text NOT NULL);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        CliRun clean = pgnest("migrate", "diff");
        assertThat(clean.exitCode()).as(clean.err()).isZero();
        assertThat(clean.out()).startsWith("no drift: target default matches its migrations");

        pg.execute(db, "ALTER TABLE babies ADD COLUMN nickname varchar(40)");
        CliRun drift = pgnest("migrate", "diff");
        assertThat(drift.exitCode()).isEqualTo(3);
        assertThat(drift.out()).isEqualTo("column public.babies.nickname: not in the migrations (database has character "
                + "varying(40) NULL)\n1 differences between the migrations (up to version 1) and target default\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "drift", "-o", "json").out());
        assertThat(json.at("/differences/0/change").asText()).isEqualTo("NOT_IN_MIGRATIONS");
        assertThat(json.at("/differences/0/name").asText()).isEqualTo("public.babies.nickname");
    }

    @Test
    void resetIsRefusedOnATargetNotMarkedDevelopment() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        CliRun r = pgnest("migrate", "reset", "--force");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: refusing to reset target default: it is not marked as a development environment");
        assertThat(query("SELECT to_regclass('babies')::text")).isEqualTo("babies");
    }

    @Test
    void helpListsEveryMigrateCommand() {
        CliRun r = CliRun.run(Map.of(), dir, "migrate", "--help");
        assertThat(r.out()).contains("deploy", "status", "validate", "resolve", "baseline", "create", "lint", "diff", "reset");
    }
}
