package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized kill trials of {@code wal stream --synchronous} named in synchronous_standby_names:
 * each trial is a burst of commits from two clients during which the receiver is killed with
 * SIGKILL at a random moment and started again after a random pause; in some trials a backend
 * of the primary (a client's or the walsender; PostgreSQL then restarts every backend) or the
 * postmaster with all its children is killed too. Every commit that returned to its client is
 * acknowledged; a commit whose connection broke is in doubt (it may or may not be there).
 *
 * <p>Every {@code pgnest.reliability.syncCheckEvery}-th trial and after the last one the primary
 * is killed (postmaster and backends), the receiver stores what it holds, is killed too, and
 * {@code restore pitr --latest} from the repository alone must hold every acknowledged row with
 * its exact content (count and SHA-256 of the acknowledged rows) and no row that was never
 * committed. Each check covers every trial before it. It runs with {@code -Preliability} (50
 * trials) or when {@code pgnest.reliability.trials} is given, not in plain {@code ./mvnw verify}:
 * its set-up and restores cost ~2 minutes, and SynchronousStreamTest proves the path there.
 */
@IntegrationTest
@EnabledIfSystemProperty(named = "pgnest.reliability.trials", matches = "\\d+")
class SynchronousStreamTrialsTest {
    private static final String BUCKET = "sync-trials";
    private static final String SLOT = "pgnest_sync";
    private static final int CHECK_EVERY = Integer.getInteger("pgnest.reliability.syncCheckEvery", 10);
    private static final int BULK_ROWS = 1000;

    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("max_wal_senders", "4"))
            .andS3(BUCKET);

    @TempDir
    static Path tmp;
    static PostgresCluster pg; // started by servers
    static S3Server s3; // started by servers

    private final Map<String, String> env = new HashMap<>();
    /** Acknowledged rows by id: true for a bulk row (payload md5 × 20), false for a one-row commit. */
    private final NavigableMap<Integer, Boolean> acknowledged = new ConcurrentSkipListMap<>();
    private final Map<Integer, Boolean> inDoubt = new ConcurrentSkipListMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private ChildProcess.Running receiver;
    private int restores;

    @Test
    void everyAcknowledgedCommitIsInTheRepositoryThroughKilledReceiversBackendsAndPostmasters() throws Exception {
        long started = System.nanoTime();
        env.putAll(Trials.s3Env(pg, "postgres", s3, BUCKET, "repo", s3.endpoint().toString()));
        env.put("PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString());
        env.put("PGNEST_WAL_STREAM_SLOT", SLOT);
        env.put("PGNEST_WAL_STREAM_SYNCHRONOUS", "true");
        env.put("PGNEST_RESTORE_SCRATCH_DIR", tmp.resolve("scratch").toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", tmp.resolve("reports").toString());
        env.put("PGNEST_RESTORE_OS_USER", PitrEnvironment.restoreOsUser(pg));
        env.put("TMPDIR", tmp.toString());
        Map<String, String> fetchEnv = new HashMap<>(Map.of("PGNEST_LOG_LEVEL", "warn"));
        env.forEach((k, v) -> {
            if (k.startsWith("PGNEST_S3_")) {
                fetchEnv.put(k, v);
            }
        });
        env.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(tmp.resolve("pgnest"), fetchEnv).toString());
        assertOk(CliRun.run(env, tmp, "repo", "init"));

        startReceiver();
        awaitStreaming("");
        pg.execute("ALTER SYSTEM SET synchronous_standby_names = '" + SLOT + "'");
        pg.execute("SELECT pg_reload_conf()");
        awaitStreaming(" AND sync_state = 'sync'");
        pg.execute("CREATE TABLE acked (id int PRIMARY KEY, payload text NOT NULL)");
        CliRun backup = CliRun.run(env, tmp, "backup", "physical");
        assertThat(backup.exitCode()).as(backup.out() + backup.err() + "\nwal stream: " + receiver.stderr()).isZero();

        Random random = new Random(Trials.SEED + 30);
        int receiverKills = 0;
        int backendKills = 0;
        int postmasterKills = 0;
        int lost = 0;
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            for (int trial = 0; trial < Trials.COUNT; trial++) {
                long trialStart = System.nanoTime();
                long burstMillis = 1000 + random.nextInt(2000);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(burstMillis);
                List<Future<?>> burst = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    long seed = random.nextLong();
                    burst.add(clients.submit(() -> commit(deadline, new Random(seed))));
                }
                // a complete segment under the burst, now and then: its upload and a stale .partial of it
                boolean switchWal = random.nextInt(4) == 0;
                int primaryFate = random.nextInt(4); // 0: a backend killed, 1: the postmaster killed, else neither
                Thread.sleep(random.nextInt((int) burstMillis));
                if (switchWal) {
                    pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
                }
                receiver.kill();
                receiverKills++;
                Thread.sleep(random.nextInt(1500));
                if (primaryFate == 0 && killABackend(random)) {
                    backendKills++;
                } else if (primaryFate == 1) {
                    killPrimary();
                    postmasterKills++;
                }
                Thread.sleep(random.nextInt(1500));
                pg.start(); // a killed backend's crash restart runs on its own; a killed postmaster is started here
                startReceiver();
                long restarted = System.nanoTime();
                for (Future<?> f : burst) {
                    f.get(3, TimeUnit.MINUTES); // commits wait while the receiver is down
                }
                awaitStreaming(" AND sync_state = 'sync'"); // the primary out of crash recovery too
                System.out.printf("sync trial %d: burst %d ms, primary %s; %.1f s, of which %.1f s waiting for the restarted receiver%n",
                        trial + 1, burstMillis, primaryFate == 0 ? "backend killed" : primaryFate == 1 ? "killed" : "alive",
                        (System.nanoTime() - trialStart) / 1e9, (System.nanoTime() - restarted) / 1e9);
                if ((trial + 1) % CHECK_EVERY == 0 || trial == Trials.COUNT - 1) {
                    lost += restoreAndCompare(trial);
                }
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.printf("reliability %-24s trials=%d receiver kills=%d backend kills=%d postmaster kills=%d "
                        + "rows acknowledged=%d in doubt=%d restores from the repository alone=%d data lost=%d (seed %d) in %.0f s%n",
                "wal-stream-sync/kill-9", Trials.COUNT, receiverKills, backendKills, postmasterKills, acknowledged.size(),
                inDoubt.size(), restores, lost, Trials.SEED, (System.nanoTime() - started) / 1e9);
        assertThat(acknowledged).as("commits acknowledged").isNotEmpty();
        assertThat(lost).as("acknowledged rows missing or different after a restore").isZero();
    }

    /**
     * One client of a burst: one-row commits, now and then a bulk commit of {@value #BULK_ROWS}
     * rows (about 0.7 MB of WAL, so that segments fill under the burst); reconnects after a
     * broken connection until the burst's deadline.
     */
    private void commit(long deadline, Random random) {
        Connection c = null;
        try {
            while (System.nanoTime() < deadline) {
                if (c == null) {
                    try {
                        c = pg.connect();
                        c.setAutoCommit(true);
                    } catch (SQLException e) {
                        sleep(100); // the primary is down or in crash recovery
                        continue;
                    }
                }
                boolean bulk = random.nextInt(150) == 0;
                int first = bulk ? ids.getAndAdd(BULK_ROWS) + 1 : ids.incrementAndGet();
                int last = bulk ? first + BULK_ROWS - 1 : first;
                try (PreparedStatement insert = c.prepareStatement(bulk
                        ? "INSERT INTO acked SELECT g, repeat(md5(g::text), 20) FROM generate_series(?, ?) g"
                        : "INSERT INTO acked VALUES (?, 'row ' || ?)")) {
                    insert.setInt(1, first);
                    insert.setInt(2, last);
                    insert.executeUpdate(); // returned: committed, and (synchronous) fsynced by the receiver
                    for (int id = first; id <= last; id++) {
                        acknowledged.put(id, bulk);
                    }
                } catch (SQLException e) {
                    for (int id = first; id <= last; id++) {
                        inDoubt.put(id, bulk);
                    }
                    closeQuietly(c);
                    c = null;
                }
            }
        } finally {
            closeQuietly(c);
        }
    }

    /** Kills one backend of the primary with SIGKILL: a client's or the walsender; false when none was found. */
    private static boolean killABackend(Random random) {
        List<List<String>> pids;
        try {
            pids = pg.queryForRows("postgres", "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    + "AND backend_type IN ('client backend', 'walsender') ORDER BY pid");
        } catch (RuntimeException e) {
            return false; // the server is restarting
        }
        if (pids.isEmpty()) {
            return false;
        }
        long pid = Long.parseLong(pids.get(random.nextInt(pids.size())).get(0));
        return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
    }

    /** kill -9 of the primary: the postmaster and every backend at once. */
    private static void killPrimary() throws Exception {
        ProcessHandle postmaster = ProcessHandle.of(pg.postmasterPid()).orElseThrow();
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        postmaster.onExit().get(30, TimeUnit.SECONDS);
        for (ProcessHandle child : children) {
            child.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The check: the primary is killed, the receiver stores what it holds (its spool empties) and
     * is killed; then a PITR {@code --latest} from the repository alone must hold every
     * acknowledged row as committed, and only rows that were committed or in doubt. Returns how
     * many acknowledged rows are missing or differ. The primary and the receiver run again after.
     */
    private int restoreAndCompare(int trial) throws Exception {
        killPrimary();
        Path spool = tmp.resolve("spool").resolve("stream-" + SLOT);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Stream<Path> files = Files.list(spool)) {
                if (files.findAny().isEmpty()) {
                    break;
                }
            }
            assertThat(System.nanoTime()).as("spool not emptied in 60 s\n" + receiver.stderr()).isLessThan(deadline);
            Thread.sleep(100);
        }
        receiver.kill(); // from here on, the repository alone
        restores++;

        Path restored = tmp.resolve("restored-" + trial);
        assertOk(CliRun.run(env, tmp, "restore", "pitr", "--latest", "--data-dir", restored.toString(),
                "--port", "" + PitrEnvironment.freePort(), "--no-archive"));
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        MessageDigest found = MessageDigest.getInstance("SHA-256");
        acknowledged.forEach((id, bulk) -> expected.update(row(id, bulk)));
        int matched = 0;
        List<Integer> phantoms = new ArrayList<>();
        try (PostgresCluster copy = PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(restored).password(pg.password())
                .setting("archive_mode", "off").start();
             Connection c = copy.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                try (ResultSet rs = s.executeQuery("SELECT id, payload FROM acked ORDER BY id")) {
                    while (rs.next()) {
                        int id = rs.getInt(1);
                        Boolean bulk = acknowledged.get(id);
                        if (bulk != null) {
                            byte[] row = (id + ":" + rs.getString(2) + "\n").getBytes(StandardCharsets.UTF_8);
                            found.update(row);
                            matched += Arrays.equals(row, row(id, bulk)) ? 1 : 0;
                        } else if (!inDoubt.containsKey(id)) {
                            phantoms.add(id);
                        }
                    }
                }
            }
        }
        Trials.deleteTree(restored);
        String expectedHex = HexFormat.of().formatHex(expected.digest());
        String foundHex = HexFormat.of().formatHex(found.digest());
        System.out.printf("sync trials: check after trial %d: acknowledged rows=%d found=%d sha256 %s %s%n", trial + 1,
                acknowledged.size(), matched, expectedHex.equals(foundHex) ? "equal" : "DIFFERENT", foundHex);
        assertThat(phantoms).as("rows in the restore that no client committed").isEmpty();
        pg.start();
        startReceiver();
        awaitStreaming(" AND sync_state = 'sync'");
        assertThat(foundHex).as("SHA-256 of the acknowledged rows in the restore").isEqualTo(expectedHex);
        return acknowledged.size() - matched;
    }

    private static byte[] row(int id, boolean bulk) {
        return (id + ":" + (bulk ? md5(id).repeat(20) : "row " + id) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private void startReceiver() throws IOException {
        List<String> command = new ArrayList<>(CliProcess.command(tmp));
        command.addAll(List.of("wal", "stream", "--slot", SLOT, "--synchronous"));
        receiver = servers.closeAfterAll(ChildProcess.start(command, env, tmp, ChildProcess.Stdin.NULL,
                ChildProcess.Stdout.DISCARD, 65536));
    }

    /** Waits until the receiver streams (on {@code condition}); the primary may still be in crash recovery at first. */
    private void awaitStreaming(String condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if ("1".equals(pg.queryForString("SELECT count(*) FROM pg_stat_replication WHERE application_name = '"
                        + SLOT + "'" + condition))) {
                    return;
                }
            } catch (IllegalStateException e) {
                // "the database system is in recovery mode": a killed backend's crash restart
            }
            assertThat(System.nanoTime()).as("waited 60 s for the receiver\n" + receiver.stderr()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static String md5(int g) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Integer.toString(g).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertOk(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is broken already
            }
        }
    }
}
