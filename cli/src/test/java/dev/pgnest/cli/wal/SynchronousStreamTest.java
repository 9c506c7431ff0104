package dev.pgnest.cli.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wal stream --synchronous} named in synchronous_standby_names: every commit the primary
 * acknowledged before it and its backends were killed with SIGKILL is in a PITR {@code --latest} from the
 * repository alone (the primary's pg_wal is never read).
 */
@IntegrationTest
class SynchronousStreamTest {
    static final String SLOT = "pgnest_sync";

    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("max_wal_senders", "4"));

    @TempDir
    static Path tmp;
    static PostgresCluster pg; // started by servers

    @Test
    void everyAcknowledgedCommitSurvivesAKilledPrimaryInAPitrFromTheRepositoryAlone() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", tmp.resolve("repo").toString());
        env.put("PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_SCRATCH_DIR", tmp.resolve("scratch").toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", tmp.resolve("reports").toString());
        CliProcess.restoreAsHarness(pg, env);
        env.put("TMPDIR", tmp.toString());
        env.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(tmp.resolve("pgnest"), Map.of("PGNEST_REPO_TYPE", "fs",
                "PGNEST_REPO_PATH", tmp.resolve("repo").toString(), "PGNEST_LOG_LEVEL", "warn")).toString());
        assertOk(CliRun.run(env, tmp, "repo", "init"));

        List<String> command = new ArrayList<>(CliProcess.command(tmp));
        command.addAll(List.of("wal", "stream", "--slot", SLOT, "--synchronous"));
        ChildProcess.Running stream = servers.closeAfterAll(ChildProcess.start(command, env, tmp, ChildProcess.Stdin.NULL,
                ChildProcess.Stdout.DISCARD, 65536));
        await("the receiver to stream", stream, "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + SLOT + "'");
        pg.execute("ALTER SYSTEM SET synchronous_standby_names = '" + SLOT + "'");
        pg.execute("SELECT pg_reload_conf()");
        await("the receiver to be synchronous", stream,
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + SLOT + "' AND sync_state = 'sync'");

        env.put("PGNEST_WAL_STREAM_SLOT", SLOT);
        CliRun check = CliRun.run(env, tmp, "check", "--streaming", "--timeout", "30");
        assertOk(check);
        assertThat(check.out()).contains("ok   receiver: wal stream --synchronous is a synchronous standby (sync): a commit "
                + "returns once its WAL is fsynced by the receiver; while it is down, commits on the server wait for it");

        long started = System.nanoTime();
        pg.execute("CREATE TABLE acked (id int PRIMARY KEY, payload text NOT NULL)");
        CliRun backup = CliRun.run(env, tmp, "backup", "physical");
        assertThat(backup.exitCode()).as(backup.out() + backup.err() + "\nwal stream: " + stream.stderr()).isZero();

        // the burst: one commit per row, plus bulk commits so that segments complete under it too
        MessageDigest acknowledged = MessageDigest.getInstance("SHA-256");
        int count = 0;
        long singleNanos = 0;
        try (Connection c = pg.connect(); PreparedStatement one = c.prepareStatement("INSERT INTO acked VALUES (?, ?)");
             PreparedStatement bulk = c.prepareStatement("INSERT INTO acked SELECT g, repeat(md5(g::text), 20) "
                     + "FROM generate_series(?, ?) g")) {
            c.setAutoCommit(true);
            for (int i = 1; i <= 200; i++) {
                int id = ++count;
                if (i % 100 == 0) { // about 9 MB of WAL each
                    bulk.setInt(1, id);
                    bulk.setInt(2, id + 12999);
                    bulk.executeUpdate(); // returned: committed and acknowledged
                    for (int g = id; g <= id + 12999; g++) {
                        acknowledged.update((g + ":" + md5(g).repeat(20) + "\n").getBytes());
                    }
                    count = id + 12999;
                } else {
                    one.setInt(1, id);
                    one.setString(2, "row " + id);
                    long t = System.nanoTime();
                    one.executeUpdate();
                    singleNanos += System.nanoTime() - t;
                    acknowledged.update((id + ":row " + id + "\n").getBytes());
                }
            }
        }
        long burstEnd = System.nanoTime();
        System.out.printf("backup and burst took %.1f s%n", (burstEnd - started) / 1e9);
        // kill -9 of the primary: the postmaster and every backend, walsender included, at once
        ProcessHandle postmaster = ProcessHandle.of(pg.postmasterPid()).orElseThrow();
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        System.out.printf("synchronous commit latency: %.1f ms on average over 198 one-row commits%n", singleNanos / 198 / 1e6);

        // the stream ends with the primary; the receiver stores what it holds of the last segment
        Path spool = tmp.resolve("spool").resolve("stream-" + SLOT);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (var files = Files.list(spool)) {
                if (files.findAny().isEmpty()) {
                    break;
                }
            }
            assertThat(System.nanoTime()).as("spool not emptied in 30 s\n" + stream.stderr()).isLessThan(deadline);
            Thread.sleep(100);
        }
        System.out.printf("partial stored %.1f s after the kill%n", (System.nanoTime() - burstEnd) / 1e9);
        stream.kill(); // from here on, the repository alone

        Path restored = tmp.resolve("restored");
        assertOk(CliRun.run(env, tmp, "restore", "pitr", "--latest", "--data-dir", restored.toString(),
                "--port", "" + freePort(), "--no-archive"));
        try (PostgresCluster copy = PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(restored).password(pg.password())
                .setting("archive_mode", "off").start()) {
            assertThat(copy.queryForString("SELECT count(*) FROM acked")).isEqualTo("" + count);
            List<List<String>> rows = copy.queryForRows("postgres", "SELECT id, payload FROM acked ORDER BY id");
            MessageDigest found = MessageDigest.getInstance("SHA-256");
            rows.forEach(r -> found.update((r.get(0) + ":" + r.get(1) + "\n").getBytes()));
            assertThat(HexFormat.of().formatHex(found.digest())).isEqualTo(HexFormat.of().formatHex(acknowledged.digest()));
        }
    }

    static void await(String what, ChildProcess.Running stream, String sql) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"1".equals(pg.queryForString(sql))) {
            assertThat(System.nanoTime()).as("waited 60 s for " + what + "\n" + stream.stderr()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static String md5(int g) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Integer.toString(g).getBytes()));
    }

    static void assertOk(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
