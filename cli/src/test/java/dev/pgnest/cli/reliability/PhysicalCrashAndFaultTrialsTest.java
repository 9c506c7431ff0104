package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.physical.PhysicalRestore;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.FaultyProxy.Fault;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Randomized crash (kill -9) and S3 fault trials over the physical backup and the restore
 * (PITR) paths. Physical: no backup without a manifest is listed, every listed backup
 * verifies, the next backup works. Restore: a restore either finishes with exactly the
 * source's data or leaves its directory marked unfinished (never a startable half-restored
 * cluster), and running the same command again restores exactly the source's data.
 * {@code ./mvnw verify -Preliability} runs 50 trials per path.
 */
@TestMethodOrder(OrderAnnotation.class)
@IntegrationTest
class PhysicalCrashAndFaultTrialsTest {
    private static final String BUCKET = "physical-trials";
    @RegisterExtension
    static final Servers servers = Servers.withS3(BUCKET);

    private static final String PREFIX = "repo";
    private static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from items t";
    private static PostgresCluster pg; // started in @BeforeAll, closed by servers
    private static S3Server s3; // started by servers
    private static Path dir;
    private static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        // the restored servers (as root: in a user namespace) read this directory; it is every
        // restore's TMPDIR too, so short enough for their run directories' unix sockets
        dir = servers.deleteAfterAll(Files.createTempDirectory(Path.of("/tmp"), "pgnest-ptrials-"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        env = new HashMap<>();
        // archive_command runs the launcher in dir, so this cluster starts here
        pg = servers.closeAfterAll(PostgresCluster.builder().setting("wal_level", "replica").setting("archive_mode", "on")
                .setting("archive_command", launcher() + " wal push %p").start());
        env = Trials.s3Env(pg, "postgres", s3, BUCKET, PREFIX, s3.endpoint().toString());
        env.put("PGNEST_DATA_DIR", pg.dataDir().toString());
        env.put("PGNEST_BACKUP_WAL_TIMEOUT", "120");
        env.put("PGNEST_RESTORE_OS_USER", "user-namespace");
        env.put("PGNEST_RESTORE_TIMEOUT", "3m");
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
        // run directories (socket, server log), a killed restore's too, go with this test's directory
        env.put("TMPDIR", dir.toString());
        // archive_command runs pgnest as the cluster's user: give it the repository through the script
        Files.writeString(dir.resolve("pgnest-env"), envFile(env));
        assertThat(CliRun.run(env, dir, "repo", "init").exitCode()).isZero();
        env.put("PGNEST_RESTORE_LAUNCHER", launcher().toString());
        // a few seconds of backup, so that kills land before, during and after the uploads
        pg.execute("create table items (id int primary key, name text, body text); "
                + "insert into items select g, 'item ' || g, repeat(md5(g::text), 4) from generate_series(1, 150000) g;");
    }

    /** A pgnest launcher script (the role of the installed {@code pgnest}): the test's classes in a JVM. */
    private static Path launcher() throws IOException {
        Path script = dir.resolve("pgnest");
        StringBuilder sb = new StringBuilder("#!/bin/sh\nset -a\n. '" + dir.resolve("pgnest-env") + "'\nset +a\nexec");
        for (String part : CliProcess.inline()) {
            sb.append(" '").append(part).append('\'');
        }
        Files.writeString(script, sb.append(" \"$@\"\n").toString());
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String envFile(Map<String, String> values) {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
        return sb.toString();
    }

    private static int manifests() {
        return Trials.manifests(s3, BUCKET, PREFIX);
    }

    private static Process child(Map<String, String> environment, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(CliProcess.inline(args)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(environment);
        return pb.start();
    }

    /** Runs it, killing it (SIGKILL: no shutdown hook, no cleanup) after a random time; true when killed. */
    private static boolean runAndMaybeKill(Process p, long millis) throws InterruptedException {
        if (p.waitFor(millis, TimeUnit.MILLISECONDS)) {
            return false;
        }
        p.destroyForcibly();
        p.waitFor();
        return true;
    }

    @Test
    @Order(1)
    void physicalBackupKilledAtRandomPointsNeverLeavesABrokenBackupListed() throws Exception {
        Random random = new Random(Trials.SEED + 10);
        Trials.RepositoryAudit audit = new Trials.RepositoryAudit(s3, BUCKET, PREFIX, env, dir);
        int completed = 0;
        int killed = 0;
        int lost = 0;
        for (int trial = 0; trial < Trials.COUNT; trial++) {
            int before = manifests();
            if (runAndMaybeKill(child(env, "backup", "physical"), 300 + random.nextInt(5000))) {
                killed++;
            }
            if (manifests() > before) {
                completed++;
            }
            lost += audit.check();
        }
        CliRun next = CliRun.run(env, dir, "backup", "physical");
        assertThat(next.exitCode()).as("the next backup succeeds: %s", next.err()).isZero();
        Trials.report("physical-backup/kill-9", killed, "backups completed", completed, "failed cleanly",
                Trials.COUNT - completed, lost);
        assertThat(lost).isZero();
    }

    @Test
    @Order(2)
    void physicalBackupThroughAFaultyStoreCompletesCorrectlyOrFailsCleanly() throws Exception {
        Random random = new Random(Trials.SEED + 11);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), Trials.SEED + 12, Duration.ofMillis(50))) {
            Map<String, String> faulty = new HashMap<>(env);
            faulty.put("PGNEST_S3_ENDPOINT", proxy.endpoint().toString());
            Trials.RepositoryAudit audit = new Trials.RepositoryAudit(s3, BUCKET, PREFIX, env, dir);
            int completed = 0;
            int lost = 0;
            for (int trial = 0; trial < Trials.COUNT; trial++) {
                Trials.faultRates(proxy, random, trial, 0.12);
                int before = manifests();
                CliRun r = CliRun.run(faulty, dir, "backup", "physical");
                if (r.exitCode() == 0) {
                    completed++;
                    assertThat(manifests()).isEqualTo(before + 1);
                } else {
                    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
                    assertThat(r.err().strip()).as("one clear error line").startsWith("error: ").doesNotContain("\n")
                            .doesNotStartWith("error: unexpected");
                    System.out.println("trial " + trial + " failed cleanly: " + r.err().strip());
                    assertThat(manifests()).as("no manifest for a failed backup").isEqualTo(before);
                }
                lost += audit.check();
            }
            long injected = proxy.injectedTotal();
            Map<Fault, Long> byKind = proxy.injectedByKind();
            proxy.heal();
            Trials.report("physical-backup/s3-faults", injected, "backups completed", completed, "failed cleanly",
                    Trials.COUNT - completed, lost);
            Trials.assertEveryKindInjected("physical-backup/s3-faults", byKind);
            assertThat(lost).isZero();
        }
    }

    @Test
    @Order(3)
    void restoreKilledAtRandomPointsLeavesNoStartableHalfAndTheRerunRestoresExactly() throws Exception {
        String expected = newestArchivedState();
        Random random = new Random(Trials.SEED + 13);
        Trials.RepositoryAudit audit = new Trials.RepositoryAudit(s3, BUCKET, PREFIX, env, dir);
        int killed = 0;
        int finishedBeforeKill = 0;
        int lost = 0;
        // kills land anywhere in a restore's run: the window follows how long an unkilled one took
        long window = 3000;
        for (int trial = 0; trial < Trials.COUNT; trial++) {
            Path dataDir = dir.resolve("restore-kill-" + trial);
            String[] restore = {"restore", "pitr", "--latest", "--no-archive", "--data-dir", dataDir.toString(), "--port", "" + PitrEnvironment.freePort()};
            long started = System.nanoTime();
            if (runAndMaybeKill(child(env, restore), 100 + random.nextInt((int) window))) {
                killed++;
                // the killed restore's server may still be recovering: stop it, as its error message tells
                stopServer(dataDir);
            }
            boolean marked = Files.exists(dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER));
            if (Files.isRegularFile(dataDir.resolve("PG_VERSION")) && !marked) {
                // unmarked: the restore had finished, and must hold the data
                finishedBeforeKill++;
                window = Math.max(500, (System.nanoTime() - started) / 1_000_000);
                lost += checksumOf(dataDir).equals(expected) ? 0 : 1;
            } else {
                CliRun again = CliRun.run(env, dir, restore);
                if (again.exitCode() == 2 && again.err().contains(") is running on " + dataDir)) {
                    // the killed restore's pg_ctl started the server after the check above: do
                    // what the message says, as an operator would, and run the command again
                    stopServer(dataDir);
                    again = CliRun.run(env, dir, restore);
                }
                assertThat(again.exitCode()).as("the same command again: %s %s", again.out(), again.err()).isZero();
                lost += checksumOf(dataDir).equals(expected) ? 0 : 1;
            }
            assertThat(dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER)).doesNotExist();
            Trials.deleteTree(dataDir);
            lost += audit.check();
        }
        Trials.report("restore/kill-9", killed, "restores finished", Trials.COUNT, "finished before the kill",
                finishedBeforeKill, lost);
        assertThat(lost).isZero();
    }

    @Test
    @Order(4)
    void restoreThroughAFaultyStoreRestoresExactlyOrFailsCleanly() throws Exception {
        String expected = newestArchivedState();
        Random random = new Random(Trials.SEED + 14);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), Trials.SEED + 15, Duration.ofMillis(50))) {
            Map<String, String> faulty = new HashMap<>(env);
            faulty.put("PGNEST_S3_ENDPOINT", proxy.endpoint().toString());
            Files.writeString(dir.resolve("pgnest-env"), envFile(faulty)); // restore_command's fetches go through it too
            int restored = 0;
            int lost = 0;
            try {
                for (int trial = 0; trial < Trials.COUNT; trial++) {
                    Path dataDir = dir.resolve("restore-faults-" + trial);
                    Trials.faultRates(proxy, random, trial, 0.12);
                    CliRun r = CliRun.run(faulty, dir, "restore", "pitr", "--latest", "--no-archive", "--data-dir", dataDir.toString(),
                            "--port", "" + PitrEnvironment.freePort());
                    assertThat(serverPid(dataDir)).as("no server left running on %s", dataDir).isEmpty();
                    if (r.exitCode() == 0) {
                        assertThat(r.out()).contains("  log:      " + dir.resolve("pgnest-restore-"));
                        restored++;
                        // no heal() here: the restored cluster has ended recovery and fetches nothing, and
                        // heal() would drop trial 0's queued faults not yet injected
                        lost += checksumOf(dataDir).equals(expected) ? 0 : 1;
                    } else {
                        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
                        assertThat(r.err().strip()).as("one clear error line").startsWith("error: ").doesNotContain("\n")
                                .doesNotStartWith("error: unexpected");
                        System.out.println("trial " + trial + " failed cleanly: " + r.err().strip());
                        assertThat(!Files.exists(dataDir.resolve("PG_VERSION"))
                                || Files.exists(dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER)))
                                .as("a failed restore leaves nothing that looks restored: %s", r.err()).isTrue();
                    }
                    Trials.deleteTree(dataDir);
                }
            } finally {
                Files.writeString(dir.resolve("pgnest-env"), envFile(env));
            }
            long injected = proxy.injectedTotal();
            Trials.report("restore/s3-faults", injected, "restores finished", restored, "failed cleanly",
                    Trials.COUNT - restored, lost);
            Trials.assertEveryKindInjected("restore/s3-faults", proxy.injectedByKind());
            assertThat(lost).isZero();
        }
    }

    @Test
    @Order(5)
    void aDiskThatFillsUpDuringARestoreFailsCleanlyNamingTheFile() throws Exception {
        newestArchivedState();
        // a 4 MiB file system of its own (tmpfs in a user + mount namespace), far less than the backup
        Path mount = Files.createDirectories(dir.resolve("small-disk"));
        Path dataDir = mount.resolve("data");
        Path listing = dir.resolve("left-on-small-disk.txt");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("unshare", "-Urm", "sh", "-c",
                "mount -t tmpfs -o size=4m tmpfs '" + mount + "' || exit 99; \"$@\"; rc=$?; ls -A '" + mount + "' > '" + listing + "' 2>&1; exit $rc", "sh"));
        command.addAll(CliProcess.inline("restore", "pitr", "--latest", "--no-archive", "--data-dir", dataDir.toString(),
                "--port", "" + PitrEnvironment.freePort()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("exit code; stderr: %s", err).isEqualTo(1);
        assertThat(err).as("one error line").startsWith("error: cannot write " + dataDir + "/").doesNotContain("\n")
                .contains("No space left on device")
                .contains("free space on that file system or restore into another directory, then run the restore again")
                .doesNotContain(pg.password()).doesNotContain(s3.secretAccessKey());
        // the half-written directory pgnest created is removed again: the disk is as it was, empty
        assertThat(Files.readString(listing).strip()).isEmpty();
    }

    /**
     * Changes after the newest backup, archived: what a restore to the latest point must give
     * back. (The restores run with --no-archive: a restored copy that archived into the same
     * target would start timelines that the next --latest restore follows.)
     */
    private static String newestArchivedState() throws Exception {
        if (manifests() == 0) {
            assertThat(CliRun.run(env, dir, "backup", "physical").exitCode()).isZero();
        }
        pg.execute("update items set name = name || '+' where id % 97 = " + new Random(Trials.SEED).nextInt(97));
        String expected = pg.queryForString(CHECKSUM);
        String last = pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!pg.queryForString("select coalesce(last_archived_wal, '') from pg_stat_archiver").equals(last)) {
            assertThat(System.nanoTime()).as("segment %s archived; %s", last, pg.logTail()).isLessThan(deadline);
            Thread.sleep(100);
        }
        return expected;
    }

    private static String checksumOf(Path dataDir) {
        try (PostgresCluster restored = PostgresCluster.startExisting(dataDir, pg.password())) {
            return restored.queryForString(CHECKSUM);
        }
    }

    private static Optional<Long> serverPid(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    }

    private static void stopServer(Path dataDir) throws Exception {
        Optional<Long> pid = serverPid(dataDir);
        if (pid.isEmpty()) {
            return;
        }
        new ProcessBuilder("kill", "-QUIT", pid.get().toString()).start().waitFor(); // immediate shutdown
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)) {
            assertThat(System.nanoTime()).as("server %s stops", pid.get()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
