package dev.pgnest.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.repository.Compression;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary archiving with {@code pgnest wal push} and a streaming standby made with
 * {@code pg_basebackup -R}: {@code backup physical} with backup.physical.standby-url runs on the
 * standby, and a PITR of that backup to a time gives the primary's tables as they were then.
 */
@IntegrationTest
class StandbyBackupTest {
    static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from t";

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("archive_mode", "on")
            .setting("archive_command", CliProcess.shellCommand(tmp, Map.of("PGNEST_REPO_TYPE", "fs",
                    "PGNEST_REPO_PATH", tmp.resolve("repo").toString(), "PGNEST_LOG_LEVEL", "warn")) + " wal push %p"));
    static PostgresCluster pg; // the primary, started by servers

    @Test
    void aBackupTakenOnTheStandbyRestoresByPitrToATimeWithThePrimarysTables() throws Exception {
        PostgresCluster standby = servers.closeAfterAll(pg.startStandby(tmp.resolve("standby"), Map.of()));
        assertThat(standby.queryForString("select pg_is_in_recovery()")).isEqualTo("t");

        Map<String, String> env = PitrEnvironment.of(pg, tmp);
        env.put("PGNEST_BACKUP_STANDBY_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + standby.port() + "/postgres");
        assertOk(CliRun.run(env, tmp, "repo", "init"));

        pg.execute("create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g");
        awaitReplayed(standby);
        CliRun backup = CliRun.run(env, tmp, "backup", "physical", "--parallel", "2", "-o", "json");
        assertOk(backup);
        JsonNode manifest = new ObjectMapper().readTree(backup.out()).path("manifest");
        assertThat(new ObjectMapper().readTree(backup.out()).path("method").asText()).isEqualTo("files");
        String id = manifest.path("id").asText();
        // the backup API ran on the standby: PostgreSQL says so in the backup_label it returned
        assertThat(backupLabel(id)).contains("BACKUP FROM: standby").contains("LABEL: pgnest " + id);

        pg.execute("update t set v = 'changed' where id % 7 = 0; delete from t where id > 19000");
        String atTarget = pg.queryForString(CHECKSUM);
        String targetTime = pg.queryForString("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        pg.execute("delete from t where id < 5000"); // after the target
        String last = pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        awaitArchived(last);

        Path restored = tmp.resolve("restored");
        assertOk(CliRun.run(env, tmp, "restore", "pitr", "--to-time", targetTime, "--data-dir", restored.toString(),
                "--port", "" + PitrEnvironment.freePort(), "--no-archive"));
        try (PostgresCluster copy = PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(restored)
                .password(pg.password()).setting("archive_mode", "off").start()) {
            assertThat(copy.queryForString(CHECKSUM)).isEqualTo(atTarget);
        }
    }

    static String backupLabel(String id) throws Exception {
        try (var files = Files.walk(tmp.resolve("repo/default"))) {
            Path object = files.filter(f -> f.getFileName().toString().startsWith("backup_label")
                    && f.getParent().getFileName().toString().equals(id)).findFirst().orElseThrow();
            try (var in = Compression.ofName(object.getFileName().toString()).decompress(Files.newInputStream(object))) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    static void awaitReplayed(PostgresCluster standby) throws InterruptedException {
        String lsn = pg.queryForString("select pg_current_wal_lsn()");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"t".equals(standby.queryForString("select pg_last_wal_replay_lsn() >= '" + lsn + "'"))) {
            assertThat(System.nanoTime()).as("standby did not replay to " + lsn + "\n" + standby.logTail()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static void awaitArchived(String segment) throws InterruptedException {
        Path file = tmp.resolve("repo/default/wal/00000001/" + segment + ".zst");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as(segment + " not archived in 60 s\n" + pg.logTail()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static void assertOk(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out() + run.err()).doesNotContain(pg.password());
    }
}
