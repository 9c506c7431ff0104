package dev.pgnest.cli.majors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.repository.Compression;
import dev.pgnest.seed.TableChecksums;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.WalArchive;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every path of pgnest on every supported PostgreSQL major (13–18: Debian's 15, zonky's builds
 * of the others), through the CLI as an operator runs it: archive_command and restore_command
 * are pgnest itself in its own JVM, and every restore is compared with table checksums taken on
 * the original. The client programs are Debian's 15 ones, so logical backups work up to 15 and
 * are refused above it. {@value #MAJORS_PROPERTY} narrows the majors (e.g. {@code 17}); a full
 * run checks (or, with {@code -Dpgnest.docs.write=true}, writes) the support table in
 * docs/reference/postgresql-versions.md from what passed.
 */
@IntegrationTest
class EveryMajorTest {
    @RegisterExtension
    static final Servers servers = Servers.none();

    static final String MAJORS_PROPERTY = "pgnest.test.majors";
    /** The major whose cluster has 32 MB WAL segments instead of 16 MB. */
    static final int OTHER_SEGMENT_SIZE_MAJOR = 16;
    static final String DB = "babynest";
    /** The table the workload writes between the recorded points. */
    static final String EVENTS = "CREATE TABLE pitr_events (id int PRIMARY KEY, note text NOT NULL)";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** major → path → outcome ("tested", or "refused: …"), filled as the dynamic tests pass. */
    static final Map<Integer, Map<SupportTable.Path, String>> outcomes = new ConcurrentHashMap<>();

    static List<Integer> majors() {
        String only = System.getProperty(MAJORS_PROPERTY, "");
        return only.isBlank() ? PostgresCluster.MAJORS
                : Arrays.stream(only.split(",")).map(String::strip).map(Integer::parseInt).toList();
    }

    /**
     * Scenarios run two at a time on their own threads (most of a scenario is waiting: for
     * servers, archived segments, child JVMs); the dynamic tests, in order, wait for their step's
     * outcome and report it, so a failure still names its major and step.
     */
    static final int AT_ONCE = 2;
    static final ExecutorService runner = Executors.newFixedThreadPool(AT_ONCE, r -> {
        Thread t = new Thread(r, "every-major");
        t.setDaemon(true);
        return t;
    });

    @TestFactory
    Stream<DynamicNode> everyPathOnEveryMajor() {
        return majors().stream().<DynamicNode>map(major -> {
            Scenario s = new Scenario(major);
            List<Step> steps = List.of(
                    new Step("check reports the major", null, s::check),
                    new Step("migrate deploy, status, diff of the BabyNest migrations", SupportTable.Path.MIGRATE, s::migrate),
                    new Step("backup physical, WAL by archive_command and by wal stream", SupportTable.Path.BACKUP_PHYSICAL, s::backups),
                    new Step("restore pitr --to-time", SupportTable.Path.PITR_TIME, s::pitrToTime),
                    new Step("restore pitr --to-lsn --delta", SupportTable.Path.PITR_DELTA, s::pitrDeltaToLsn),
                    new Step("restore pitr --to-restore-point", SupportTable.Path.PITR_RESTORE_POINT, s::pitrToRestorePoint),
                    new Step("restore pitr --latest, from each repository", SupportTable.Path.PITR_LATEST, s::pitrLatest),
                    new Step("restore drill --kind physical", SupportTable.Path.DRILL, s::drill),
                    new Step("backup logical and restore logical", SupportTable.Path.LOGICAL, s::logical),
                    new Step("wal check across a timeline switch", SupportTable.Path.TIMELINES, s::timelineSwitch),
                    new Step("stop", null, () -> {
                        s.close();
                        return "stopped";
                    }));
            runner.submit(() -> s.runAll(steps));
            return DynamicContainer.dynamicContainer("PostgreSQL " + major, steps.stream().map(step ->
                    DynamicTest.dynamicTest(step.name, () -> {
                        String result = awaitOutcome(step);
                        if (step.path != null) {
                            outcomes.computeIfAbsent(major, m -> new ConcurrentHashMap<>()).put(step.path, result);
                        }
                    })));
        }).toList().stream(); // all submitted now, not as JUnit reaches each container
    }

    /** One step of a scenario and its outcome, completed by the scenario's thread. */
    record Step(String name, SupportTable.Path path, ThrowingSupplier action, CompletableFuture<String> outcome) {
        Step(String name, SupportTable.Path path, ThrowingSupplier action) {
            this(name, path, action, new CompletableFuture<>());
        }
    }

    private static String awaitOutcome(Step step) throws Throwable {
        try {
            return step.outcome().get(15, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    @AfterAll
    static void supportTable() throws Exception {
        if (majors().equals(PostgresCluster.MAJORS)) {
            SupportTable.checkOrWrite(outcomes);
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier {
        String get() throws Throwable;
    }

    /** One major's cluster, repositories and recorded points; the steps run in order. */
    static final class Scenario implements AutoCloseable {
        final int major;
        Path dir;
        PostgresCluster pg;
        WalArchive archiveA;
        WalArchive archiveB;
        ChildProcess.Running walStream;
        Map<String, String> env;
        String physicalA;
        final List<Point> points = new ArrayList<>();
        Map<String, TableChecksums.TableChecksum> latest;

        record Point(String time, String lsn, String restorePoint, Map<String, TableChecksums.TableChecksum> checksums) {
        }

        Scenario(int major) {
            this.major = major;
        }

        /** Runs the steps in order; after a failure the rest fail naming it. Always closes. */
        void runAll(List<Step> steps) {
            String failure = null;
            for (Step step : steps) {
                if (failure != null && !step.name().equals("stop")) {
                    step.outcome().completeExceptionally(new IllegalStateException("an earlier step on PostgreSQL " + major
                            + " failed: " + failure));
                    continue;
                }
                try {
                    step.outcome().complete(step.action().get());
                } catch (Throwable t) {
                    failure = step.name();
                    step.outcome().completeExceptionally(t);
                }
            }
            close();
        }

        // ------------------------------------------------------------------ the steps

        String check() throws Exception {
            dir = servers.deleteAfterAll(Files.createTempDirectory(Path.of("/tmp"), "pgnest-major" + major + "-"));
            Path repoA = dir.resolve("repo-a");
            Map<String, String> pushEnv = Map.of("PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", repoA.toString(),
                    "PGNEST_WAL_SPOOL_DIR", dir.resolve("spool").toString(), "PGNEST_LOG_LEVEL", "warn");
            PostgresCluster.Builder cluster = PostgresCluster.builder().major(major);
            if (major == OTHER_SEGMENT_SIZE_MAJOR) {
                // nothing may assume 16 MB segments: names, coverage and fetches follow the server's size
                cluster.initdbArgument("--wal-segsize=32");
            }
            pg = servers.closeAfterAll(cluster
                    .setting("wal_level", "replica")
                    .setting("archive_mode", "on")
                    .setting("archive_timeout", "60s")
                    .setting("max_wal_senders", "4")
                    .setting("archive_command", CliProcess.shellCommand(dir, pushEnv) + " wal push %p")
                    .start());
            pg.createDatabase(DB);
            env = new HashMap<>();
            env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/" + DB);
            env.put("PGNEST_DB_PASSWORD", pg.password());
            env.put("PGNEST_REPO_TYPE", "fs");
            env.put("PGNEST_REPO_PATH", repoA.toString());
            env.put("PGNEST_WAL_SPOOL_DIR", dir.resolve("spool").toString());
            env.put("PGNEST_MIGRATIONS", "classpath:db/babynest");
            // Debian's 15 client programs; the server programs of this major for restores
            env.put("PGNEST_PG_BIN_DIR", PostgresCluster.DEFAULT_BIN_DIR.toString());
            env.put("PGNEST_PG_SERVER_BIN_DIRS", pg.binDir().toString());
            env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
            env.put("PGNEST_RESTORE_TIMEOUT", "3m");
            env.put("PGNEST_RESTORE_SCRATCH_DIR", dir.resolve("scratch").toString());
            // restored servers run as the harness's do, so that they can run this JVM's classpath
            env.put("PGNEST_RESTORE_OS_USER", PitrEnvironment.restoreOsUser(pg));
            env.put("TMPDIR", dir.toString());
            env.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(dir.resolve("pgnest-a"), Map.of("PGNEST_REPO_TYPE", "fs",
                    "PGNEST_REPO_PATH", repoA.toString(), "PGNEST_LOG_LEVEL", "warn")).toString());
            assertOk(pgnest("repo", "init"));

            CliRun check = pgnest("check");
            assertOk(check);
            String version = pg.queryForString("SHOW server_version").replaceFirst(" .*", "");
            assertThat(check.out()).startsWith("ok   postgresql: PostgreSQL " + version + " (major " + major + "), supported\n")
                    .contains("target and repository are ready for point-in-time recovery");
            return "tested";
        }

        String migrate() throws Exception {
            CliRun pending = pgnest("migrate", "status");
            assertThat(pending.out()).contains("pending");
            CliRun deploy = pgnest("migrate", "deploy", "-o", "json");
            assertOk(deploy);
            assertThat(JSON.readTree(deploy.out()).path("applied").size()).isGreaterThan(3);
            CliRun status = pgnest("migrate", "status");
            assertOk(status);
            assertThat(status.out()).contains("database schema is up to date");
            CliRun diff = pgnest("migrate", "diff");
            assertOk(diff);
            assertThat(diff.out()).startsWith("no drift: target default matches its migrations");
            pg.execute(DB, "ALTER TABLE babies ADD COLUMN nickname varchar(40)");
            CliRun drift = pgnest("migrate", "diff");
            assertThat(drift.exitCode()).as(drift.out() + drift.err()).isEqualTo(3);
            assertThat(drift.out()).startsWith("column public.babies.nickname: not in the migrations");
            pg.execute(DB, "ALTER TABLE babies DROP COLUMN nickname");
            // data for the restores to prove: BabyNest's own rows, plus the workload table
            assertOk(pgnest("seed", "--scale", "0.002"));
            pg.execute(DB, EVENTS);
            return "tested";
        }

        String backups() throws Exception {
            // a second repository that only `wal stream` feeds
            Path repoB = dir.resolve("repo-b");
            Map<String, String> streamEnv = new HashMap<>(env);
            streamEnv.put("PGNEST_REPO_PATH", repoB.toString());
            streamEnv.put("PGNEST_WAL_SPOOL_DIR", dir.resolve("spool-b").toString());
            assertOk(CliRun.run(streamEnv, dir, "repo", "init"));
            List<String> stream = new ArrayList<>(CliProcess.command(dir));
            stream.addAll(List.of("wal", "stream", "--slot", "matrix"));
            walStream = ChildProcess.start(stream, streamEnv, dir, ChildProcess.Stdin.NULL, ChildProcess.Stdout.DISCARD, 8192);
            servers.closeAfterAll(walStream);

            CliRun a = pgnest("backup", "physical", "-o", "json");
            assertOk(a);
            JsonNode json = JSON.readTree(a.out());
            assertThat(json.path("method").asText()).isEqualTo("files");
            physicalA = json.path("manifest").path("id").asText();
            assertThat(json.path("manifest").path("postgres").path("versionNum").asInt() / 10000).isEqualTo(major);

            CliRun b = CliRun.run(streamEnv, dir, "backup", "physical", "-o", "json");
            assertThat(b.exitCode()).as(b.out() + b.err() + "\nwal stream: " + walStream.stderr()).isZero();

            // the workload: six points, each with its time, LSN, restore point and checksums
            for (int i = 1; i <= 6; i++) {
                pg.execute(DB, "INSERT INTO pitr_events SELECT g, 'step " + i + "' FROM generate_series(" + (i * 100) + ", "
                        + (i * 100 + 49) + ") g");
                pg.execute(DB, "UPDATE babies SET name = name || '." + i + "' WHERE id % 5 = " + (i % 5));
                if (i % 2 == 0) {
                    pg.execute(DB, "DELETE FROM pitr_events WHERE id % 7 = " + i);
                }
                String restorePoint = "matrix-" + i;
                pg.execute(DB, "SELECT pg_create_restore_point('" + restorePoint + "')");
                String time = pg.queryForString(DB, "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
                String lsn = pg.queryForString(DB, "SELECT pg_current_wal_insert_lsn()");
                points.add(new Point(time, lsn, restorePoint, checksums(pg)));
                Thread.sleep(20);
                if (i == 3) {
                    pg.execute("SELECT pg_switch_wal()");
                }
            }
            latest = checksums(pg);
            archiveA = servers.closeAfterAll(new Repo(dir.resolve("repo-a"))).archive;
            archiveB = servers.closeAfterAll(new Repo(repoB)).archive;
            String last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
            awaitArchived(archiveA, last);
            awaitArchived(archiveB, last);
            return "tested";
        }

        String pitrToTime() throws Exception {
            Point p = points.get(1);
            Path data = dir.resolve("restored-time");
            assertOk(pgnest("restore", "pitr", "--to-time", p.time(), "--data-dir", data.toString(), "--port", "" + freePort(),
                    "--no-archive"));
            assertThat(checksumsOf(data)).isEqualTo(p.checksums());
            return "tested";
        }

        String pitrDeltaToLsn() throws Exception {
            // over the directory the --to-time restore left: only the files that differ are rewritten
            Point p = points.get(3);
            Path data = dir.resolve("restored-time");
            CliRun run = pgnest("restore", "pitr", "--delta", "--to-lsn", p.lsn(), "--data-dir", data.toString(),
                    "--port", "" + freePort(), "--no-archive");
            assertOk(run);
            assertThat(run.out()).contains("recovered to lsn " + p.lsn());
            assertThat(checksumsOf(data)).isEqualTo(p.checksums());
            return "tested";
        }

        String pitrToRestorePoint() throws Exception {
            Point p = points.get(2);
            Path data = dir.resolve("restored-point");
            assertOk(pgnest("restore", "pitr", "--to-restore-point", p.restorePoint(), "--data-dir", data.toString(),
                    "--port", "" + freePort(), "--no-archive"));
            assertThat(checksumsOf(data)).isEqualTo(p.checksums());
            return "tested";
        }

        String pitrLatest() throws Exception {
            Path a = dir.resolve("restored-latest-a");
            assertOk(pgnest("restore", "pitr", "--latest", "--data-dir", a.toString(), "--port", "" + freePort(), "--no-archive"));
            try (PostgresCluster restored = start(a)) {
                assertThat(checksums(restored)).isEqualTo(latest);
                // the files carry the cluster's own settings: 18's initdb turns data checksums on by default
                for (String setting : List.of("data_checksums", "wal_segment_size", "server_version_num")) {
                    assertThat(restored.queryForString("SHOW " + setting)).as(setting).isEqualTo(pg.queryForString("SHOW " + setting));
                }
            }
            if (major >= 18) {
                assertThat(pg.queryForString("SHOW data_checksums")).isEqualTo("on");
            }
            if (major == OTHER_SEGMENT_SIZE_MAJOR) {
                assertThat(pg.queryForString("SHOW wal_segment_size")).isEqualTo("32MB");
            }

            Map<String, String> streamed = new HashMap<>(env);
            streamed.put("PGNEST_REPO_PATH", dir.resolve("repo-b").toString());
            streamed.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(dir.resolve("pgnest-b"), Map.of("PGNEST_REPO_TYPE", "fs",
                    "PGNEST_REPO_PATH", dir.resolve("repo-b").toString(), "PGNEST_LOG_LEVEL", "warn")).toString());
            Path b = dir.resolve("restored-latest-b");
            assertOk(CliRun.run(streamed, dir, "restore", "pitr", "--latest", "--data-dir", b.toString(), "--port", "" + freePort(),
                    "--no-archive"));
            assertThat(checksumsOf(b)).isEqualTo(latest);
            return "tested";
        }

        String drill() throws Exception {
            CliRun drill = pgnest("restore", "drill", "--kind", "physical", "-o", "json");
            assertOk(drill);
            JsonNode json = JSON.readTree(drill.out());
            assertThat(json.path("status").asText()).as(drill.out()).isEqualTo("succeeded");
            assertThat(json.path("backup").path("id").asText()).isEqualTo(physicalA);
            assertThat(json.path("checks").findValuesAsText("passed")).isNotEmpty().containsOnly("true");
            return "tested";
        }

        String logical() throws Exception {
            CliRun backup = pgnest("backup", "logical");
            if (major > 15) {
                assertThat(backup.exitCode()).isEqualTo(2);
                assertThat(backup.err()).startsWith("error: ").contains("is older than the server (PostgreSQL " + major,
                        "apt-get install postgresql-client-" + major, "pg.bin-dir (PGNEST_PG_BIN_DIR)");
                return "refused: pg_dump 15 cannot dump PostgreSQL " + major + "; install postgresql-client-" + major
                        + " and set pg.bin-dir";
            }
            assertOk(backup);
            assertOk(pgnest("restore", "logical", "--into", "babynest_copy"));
            try (Connection original = pg.connect(DB); Connection copy = pg.connect("babynest_copy")) {
                assertThat(TableChecksums.compute(copy)).isEqualTo(TableChecksums.compute(original));
            }
            return "tested";
        }

        String timelineSwitch() throws Exception {
            // archiving stays on: the restored server promotes to timeline 2 and archives it
            Point p = points.get(4);
            Path data = dir.resolve("restored-timeline");
            assertOk(pgnest("restore", "pitr", "--to-restore-point", p.restorePoint(), "--data-dir", data.toString(),
                    "--port", "" + freePort()));
            try (PostgresCluster promoted = PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(data)
                    .password(pg.password()).start()) {
                assertThat(promoted.queryForString("SELECT timeline_id FROM pg_control_checkpoint()")).isEqualTo("2");
                promoted.execute(DB, "INSERT INTO pitr_events VALUES (100000, 'on timeline 2')");
                awaitArchived(archiveA, promoted.queryForString("SELECT pg_walfile_name(pg_switch_wal())"));
            }
            CliRun check = pgnest("wal", "check");
            assertOk(check);
            assertThat(check.out()).contains("timeline 1:", "timeline 2:")
                    .containsPattern("backup " + physicalA + ": from [0-9A-F]{24}, recoverable to the end of 00000002[0-9A-F]{16}")
                    .contains("archive is complete");
            return "tested";
        }

        @Override
        public synchronized void close() {
            if (walStream != null) {
                walStream.close();
                walStream = null;
            }
            if (pg != null) {
                pg.close();
            }
        }

        // ------------------------------------------------------------------ helpers

        CliRun pgnest(String... args) {
            CliRun run = CliRun.run(env, dir, args);
            assertThat(run.out() + run.err()).doesNotContain(pg.password());
            return run;
        }

        /** Starts the restored data directory without archiving, reads its checksums, stops it. */
        Map<String, TableChecksums.TableChecksum> checksumsOf(Path data) throws Exception {
            try (PostgresCluster restored = start(data)) {
                return checksums(restored);
            }
        }

        PostgresCluster start(Path data) {
            return PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(data).password(pg.password())
                    .setting("archive_mode", "off").start();
        }
    }

    /** A repository's WAL archive, read by the test to wait for segments. */
    static final class Repo implements AutoCloseable {
        final Storage storage;
        final WalArchive archive;

        Repo(Path path) {
            storage = new FsStorageConfig(path).open();
            archive = new WalArchive(storage, "default", Compression.ZSTD, 3);
        }

        @Override
        public void close() throws Exception {
            storage.close();
        }
    }

    static Map<String, TableChecksums.TableChecksum> checksums(PostgresCluster cluster) throws Exception {
        try (Connection c = cluster.connect(DB)) {
            return new LinkedHashMap<>(TableChecksums.compute(c));
        }
    }

    static void assertOk(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    }

    static void awaitArchived(WalArchive archive, String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!archive.contains(segment)) {
            assertThat(System.nanoTime()).as("segment " + segment + " archived within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
