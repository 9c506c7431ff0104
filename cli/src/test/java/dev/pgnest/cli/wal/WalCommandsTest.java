package dev.pgnest.cli.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * pgnest check, backup physical, wal push|fetch|check in-process, against a real cluster whose
 * archive_command is the real CLI ({@code java dev.pgnest.cli.Pgnest wal push %p}) writing into
 * a filesystem repository.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static PostgresCluster pg;
    static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        Path repo = tmp.resolve("repo");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path argfile = tmp.resolve("pgnest.args");
        Files.writeString(argfile, "-XX:TieredStopAtLevel=1\n-XX:+UseSerialGC\n-cp\n\"" + System.getProperty("java.class.path") + "\"\n");
        String pgnest = "PGNEST_REPO_TYPE=fs PGNEST_REPO_PATH=" + repo + " PGNEST_WAL_SPOOL_DIR=" + tmp.resolve("spool") + " "
                + java + " @" + argfile + " dev.pgnest.cli.Pgnest";
        pg = PostgresCluster.builder()
                .setting("wal_level", "replica")
                .setting("archive_mode", "on")
                .setting("archive_timeout", "60s")
                .setting("archive_command", pgnest + " wal push %p")
                .start();
        pg.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 20000) g");
        env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", repo.toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString());
        assertThat(pgnest("repo", "init").exitCode()).isZero();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    static CliRun pgnest(String... args) {
        CliRun run = CliRun.run(env, tmp, args);
        assertThat(run.out() + run.err()).doesNotContain(pg.password());
        return run;
    }

    @Test
    @Order(1)
    void checkProvesTheArchiveReceivesASwitchedSegment() {
        CliRun run = pgnest("check");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok   wal_level: wal_level = replica")
                .containsPattern("ok   archive: segment [0-9A-F]{24} arrived in the archive after \\d+ ms")
                .contains("target and repository are ready for point-in-time recovery");
    }

    @Test
    @Order(2)
    void backupPhysicalThenWalCheckShowsItRestorable() throws Exception {
        CliRun backup = pgnest("backup", "physical", "--parallel", "2", "-o", "json");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        JsonNode json = JSON.readTree(backup.out());
        String id = json.path("manifest").path("id").asText();
        assertThat(id).endsWith("P");
        assertThat(json.path("method").asText()).isEqualTo("files");
        assertThat(json.path("manifest").path("physical").path("stopWal").asText()).matches("[0-9A-F]{24}");

        CliRun check = pgnest("wal", "check");
        assertThat(check.exitCode()).as(check.out()).isZero();
        assertThat(check.out()).contains("timeline 1:").containsPattern("backup " + id + ": from [0-9A-F]{24}, recoverable to the end of [0-9A-F]{24}")
                .contains("archive is complete");

        CliRun list = pgnest("backup", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains(id);
    }

    @Test
    @Order(3)
    void walPushIsIdempotentAndRefusesOtherContent() throws Exception {
        String name = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        awaitArchived(name);
        Path dir = Files.createDirectories(tmp.resolve("copy/pg_wal"));
        Path copy = dir.resolve(name);
        CliRun fetch = pgnest("wal", "fetch", "--prefetch", "0", name, copy.toString());
        assertThat(fetch.exitCode()).as(fetch.err()).isZero();
        assertThat(Files.size(copy)).isEqualTo(16L * 1024 * 1024);

        assertThat(pgnest("wal", "push", copy.toString()).exitCode()).isZero();

        byte[] bytes = Files.readAllBytes(copy);
        bytes[4096] ^= 0x01;
        Files.write(copy, bytes);
        CliRun different = pgnest("wal", "push", copy.toString());
        assertThat(different.exitCode()).isEqualTo(1);
        assertThat(different.err()).startsWith("error: WAL file " + name + " is already archived at ")
                .contains("with different content (first difference at byte 4096); refusing to overwrite it");
    }

    @Test
    @Order(4)
    void walFetchOfAMissingFileExitsOne() {
        CliRun run = pgnest("wal", "fetch", "00000009.history", tmp.resolve("nothing").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: 00000009.history is not in the WAL archive at ")
                .contains("normal at the end of recovery");
        assertThat(tmp.resolve("nothing")).doesNotExist();
    }

    @Test
    @Order(5)
    void checkFailsClearlyWhenArchivingIsBroken() {
        pg.execute("ALTER SYSTEM SET archive_command = 'false'");
        pg.execute("SELECT pg_reload_conf()");
        try {
            CliRun run = pgnest("check", "--timeout", "3");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).contains("WARN archive_command: archive_command = 'false'")
                    .containsPattern("FAIL archive: segment [0-9A-F]{24} did not reach the archive of target default within 3 s")
                    .contains("point-in-time recovery is NOT possible");
        } finally {
            pg.execute("ALTER SYSTEM RESET archive_command");
            pg.execute("SELECT pg_reload_conf()");
        }
    }

    static void awaitArchived(String name) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (pgnest("wal", "check", "-o", "json").out().contains(name)) {
                return;
            }
            Thread.sleep(200);
        }
    }
}
