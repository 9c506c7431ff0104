package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.FaultyProxy.Fault;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.push.BackgroundPusher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized crash (kill -9) and fault (S3 errors, throttling, resets, truncation, latency) trials over
 * the logical backup, WAL push and WAL fetch paths, asserting after each what pgnest promises:
 * no backup without a manifest is listed, every listed backup verifies, every WAL segment
 * acknowledged to PostgreSQL is in the repository byte for byte, a fetch never returns wrong
 * bytes, and the next run succeeds; and that each path met every fault kind at least once.
 * A few trials per path in the default run;
 * {@code ./mvnw verify -Preliability} runs 50 per path ({@code -Dpgnest.reliability.trials=N}).
 * Each path prints: trials, faults injected, backups completed, failed cleanly, data lost.
 */
@IntegrationTest
class CrashAndFaultTrialsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("archive_mode", "off")).andS3("trials");

    private static final int TRIALS = Trials.COUNT;
    private static final long SEED = Trials.SEED;
    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    static Path tmp;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
        // about a second of pg_dump, so that kills land before, during and after the upload
        pg.execute("app", "create table items (id int primary key, name text, body text); "
                + "insert into items select g, 'item ' || g, repeat(md5(g::text), 6) from generate_series(1, 120000) g;");
    }

    private static Map<String, String> s3Env(String prefix, String endpoint) {
        return Trials.s3Env(pg, "app", s3, "trials", prefix, endpoint);
    }

    private static int manifests(String prefix) {
        return Trials.manifests(s3, "trials", prefix);
    }

    private static void report(String path, int trials, long faults, int completed, int failedCleanly, int lost) {
        Trials.report(path, faults, "backups completed", completed, "failed cleanly", failedCleanly, lost);
    }

    /** The after-each-trial check, straight to the store (past any fault proxy). */
    private static Trials.RepositoryAudit audit(String prefix) {
        return new Trials.RepositoryAudit(s3, "trials", prefix, s3Env(prefix, s3.endpoint().toString()), tmp);
    }

    @Test
    void logicalBackupKilledAtRandomPointsNeverLeavesABrokenBackupListed() throws Exception {
        String prefix = "crash-logical";
        Map<String, String> env = s3Env(prefix, s3.endpoint().toString());
        assertThat(CliRun.run(env, tmp, "repo", "init").exitCode()).isZero();
        Random random = new Random(SEED);
        Trials.RepositoryAudit audit = audit(prefix);
        int completed = 0;
        int killed = 0;
        int lost = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            int before = manifests(prefix);
            ProcessBuilder pb = new ProcessBuilder(CliProcess.inline("backup", "logical")).directory(tmp.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean exited = p.waitFor(200 + random.nextInt(4000), TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
                p.waitFor();
                killed++;
            }
            if (manifests(prefix) > before) {
                completed++;
            }
            lost += audit.check();
        }
        CliRun next = CliRun.run(env, tmp, "backup", "logical");
        assertThat(next.exitCode()).as("the next backup succeeds: %s", next.err()).isZero();
        report("logical-backup/kill-9", TRIALS, killed, completed, TRIALS - completed, lost);
        assertThat(lost).isZero();
    }

    @Test
    void logicalBackupThroughAFaultyStoreCompletesCorrectlyOrFailsCleanly() throws Exception {
        String prefix = "faults-logical";
        Random random = new Random(SEED + 1);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), SEED, java.time.Duration.ofMillis(50))) {
            Map<String, String> env = s3Env(prefix, proxy.endpoint().toString());
            assertThat(CliRun.run(env, tmp, "repo", "init").exitCode()).isZero();
            Trials.RepositoryAudit audit = audit(prefix);
            int completed = 0;
            int lost = 0;
            for (int trial = 0; trial < TRIALS; trial++) {
                Trials.faultRates(proxy, random, trial, 0.15);
                int before = manifests(prefix);
                CliRun r = CliRun.run(env, tmp, "backup", "logical");
                if (r.exitCode() == 0) {
                    completed++;
                    assertThat(manifests(prefix)).isEqualTo(before + 1);
                } else {
                    assertThat(r.exitCode()).isEqualTo(1);
                    assertThat(r.err().strip()).as("one clear error line").startsWith("error: ").doesNotContain("\n")
                            .doesNotStartWith("error: unexpected");
                    System.out.println("trial " + trial + " failed cleanly: " + r.err().strip());
                    assertThat(manifests(prefix)).as("no manifest for a failed backup").isEqualTo(before);
                }
                lost += audit.check();
            }
            long faults = proxy.injectedTotal();
            Map<Fault, Long> byKind = proxy.injectedByKind();
            proxy.heal();
            report("logical-backup/s3-faults", TRIALS, faults, completed, TRIALS - completed, lost);
            Trials.assertEveryKindInjected("logical-backup/s3-faults", byKind);
            assertThat(lost).isZero();
        }
    }

    @Test
    void walPushKilledAndFaultedNeverLosesAnAcknowledgedSegment() throws Exception {
        String prefix = "wal";
        Path spool = tmp.resolve("spool");
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), SEED + 2, java.time.Duration.ofMillis(50))) {
            Map<String, String> env = s3Env(prefix, proxy.endpoint().toString());
            env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/postgres");
            env.put("PGNEST_WAL_SPOOL_DIR", spool.toString());
            assertThat(CliRun.run(env, tmp, "repo", "init").exitCode()).isZero();
            // segments another test of this cluster archived elsewhere (the pusher's trial) are not this one's
            Set<String> archivedBefore = new HashSet<>(pg.queryForRows("postgres",
                    "select name from pg_ls_archive_statusdir() where name like '%.done'").stream().map(r -> r.get(0)).toList());
            StringBuilder archiveCommand = new StringBuilder("env");
            env.forEach((k, v) -> archiveCommand.append(' ').append(k).append("='").append(v).append('\''));
            for (String part : CliProcess.inline("wal", "push", "%p")) {
                archiveCommand.append(' ').append(part.equals("%p") ? "\"$1\"" : "'" + part + "'");
            }
            Path script = tmp.resolve("archive.sh");
            Files.writeString(script, "#!/bin/sh\nexec " + archiveCommand + "\n");
            script.toFile().setExecutable(true);
            pg.execute("ALTER SYSTEM SET archive_mode = 'on'");
            pg.execute("ALTER SYSTEM SET wal_keep_size = '2GB'");
            pg.execute("ALTER SYSTEM SET archive_command = '" + script.toString().replace("'", "''") + " %p'");
            pg.restart();

            Random random = new Random(SEED + 3);
            AtomicBoolean chaos = new AtomicBoolean(true);
            AtomicInteger kills = new AtomicInteger();
            AtomicInteger pushesSeen = new AtomicInteger();
            // the postmaster, not the archiver: an archive_command killed by a signal makes the
            // archiver exit, and the postmaster starts a new one
            long postmaster = Long.parseLong(Files.readAllLines(pg.dataDir().resolve("postmaster.pid")).get(0).strip());
            // each push the archiver starts is a trial: half of them are killed, each at a random
            // point of its run (start-up, reads, upload, acknowledgement)
            Thread killer = new Thread(() -> {
                Set<Long> seen = new HashSet<>();
                while (chaos.get()) {
                    try {
                        Thread.sleep(20);
                        // only this cluster's pushes (not another run's): the JVMs below its postmaster.
                        // (The JDK reads a command line only up to a page, short of the class path's end.)
                        var push = ProcessHandle.of(postmaster).stream().flatMap(ProcessHandle::descendants)
                                .filter(h -> h.info().command().orElse("").endsWith("/java"))
                                .findFirst();
                        if (push.isEmpty() || !seen.add(push.get().pid())) {
                            continue;
                        }
                        pushesSeen.incrementAndGet();
                        if (random.nextBoolean()) {
                            Thread.sleep(random.nextInt(1000));
                            if (push.get().isAlive() && push.get().destroyForcibly()) { // SIGKILL
                                kills.incrementAndGet();
                                // the archiver exits on a killed command; the postmaster starts a new
                                // one at once only when woken (else within a minute)
                                Thread.sleep(300);
                                wakeArchiver();
                            }
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            killer.start();
            // every kind can meet a push: resets and truncations cut its reads (the repository's
            // format file, the archive info, an archived segment it compares with), though never
            // the segment's upload, a PUT whose response has no body
            proxy.rate(Fault.SERVER_ERROR, 0.03).rate(Fault.SLOW_DOWN, 0.03).rate(Fault.RESET_MID_BODY, 0.03)
                    .rate(Fault.TRUNCATED_BODY, 0.02).rate(Fault.LATENCY, 0.02).next(Trials.KINDS.toArray(Fault[]::new));
            try {
                for (int i = 0; i < TRIALS; i++) {
                    writeAndSwitchSegment(i);
                }
                // the faults and kills stay on until every queued fault has met a push and half as
                // many pushes as trials were killed (a short run may need more segments); a push
                // takes about a second, a killed one is retried
                int wantedKills = Math.max(1, TRIALS / 2);
                long deadline = System.currentTimeMillis() + 120_000 + 8_000L * TRIALS;
                for (int i = TRIALS; proxy.pending() > 0 || kills.get() < wantedKills; i++) {
                    assertThat(System.currentTimeMillis()).as("every queued fault meets a push and %d pushes are killed: "
                            + "%s, %d kills; server log: %s", wantedKills, proxy, kills.get(), pg.logTail()).isLessThan(deadline);
                    Thread.sleep(1000);
                    if (readySegments() == 0) {
                        writeAndSwitchSegment(i);
                    } else if (i % 2 == 0) {
                        wakeArchiver();
                    }
                }
            } finally {
                chaos.set(false);
                killer.join();
            }
            Map<Fault, Long> pushFaults = proxy.injectedByKind();
            proxy.heal();
            pg.execute("select pg_switch_wal()");
            // a direct push starts a JVM (about a second here), and killed pushes are retried
            long deadline = System.currentTimeMillis() + 60_000 + 4_000L * TRIALS;
            for (int i = 1; readySegments() > 0; i++) {
                assertThat(System.currentTimeMillis()).as("the archiver catches up once the chaos stops; server log: %s", pg.logTail())
                        .isLessThan(deadline);
                Thread.sleep(200);
                if (i % 10 == 0) {
                    wakeArchiver();
                }
            }

            // every acknowledged segment is in the repository, byte for byte, also fetched through faults
            List<String> done = pg.queryForRows("postgres",
                    "select name from pg_ls_archive_statusdir() where name like '%.done' "
                            + "and name not like '%.history%' and name not like '%.backup%' order by 1")
                    .stream().map(r -> r.get(0)).filter(name -> !archivedBefore.contains(name))
                    .map(name -> name.replace(".done", "")).toList();
            assertThat(done).hasSizeGreaterThanOrEqualTo(TRIALS);
            // every kind meets a fetch: the first segments' fetches take one of each
            proxy.rate(Fault.SERVER_ERROR, 0.05).rate(Fault.SLOW_DOWN, 0.02).rate(Fault.RESET_MID_BODY, 0.05)
                    .rate(Fault.TRUNCATED_BODY, 0.05).rate(Fault.LATENCY, 0.02).next(Trials.KINDS.toArray(Fault[]::new));
            int lost = 0;
            int fetchFailures = 0;
            for (String segment : done) {
                byte[] original = Files.readAllBytes(pg.dataDir().resolve("pg_wal").resolve(segment));
                Path fetched = tmp.resolve("fetched-" + segment);
                boolean ok = false;
                for (int attempt = 0; attempt < 10 && !ok; attempt++) {
                    CliRun fetch = CliRun.run(env, tmp, "wal", "fetch", segment, fetched.toString());
                    if (fetch.exitCode() == 0) {
                        assertThat(Files.readAllBytes(fetched)).as("a successful fetch returns exactly the segment").isEqualTo(original);
                        ok = true;
                    } else {
                        // never "not archived" (1) for a segment that is: that would end recovery early
                        assertThat(fetch.exitCode()).as("a failed fetch of an archived segment: %s", fetch.err()).isEqualTo(126);
                        fetchFailures++;
                    }
                    Files.deleteIfExists(fetched);
                }
                if (!ok) {
                    lost++;
                }
            }
            Map<Fault, Long> fetchFaults = Trials.since(pushFaults, proxy.injectedByKind());
            long faults = proxy.injectedTotal() + kills.get();
            proxy.heal();
            pg.execute("ALTER SYSTEM SET archive_mode = 'off'");
            pg.execute("ALTER SYSTEM RESET archive_command");
            pg.restart();
            System.out.println("reliability wal-push/kill-9             pushes under chaos=" + pushesSeen.get()
                    + " killed=" + kills.get());
            Trials.report("wal-push+fetch/kill+faults", faults, "segments acknowledged", done.size(),
                    "fetches failed cleanly", fetchFailures, lost);
            Trials.assertEveryKindInjected("wal-push/s3-faults", pushFaults);
            Trials.assertEveryKindInjected("wal-fetch/s3-faults", fetchFaults);
            assertThat(lost).isZero();
        }
    }

    @Test
    void walPushThroughTheBackgroundPusherKilledMidUploadNeverLosesAnAcknowledgedSegment() throws Exception {
        String prefix = "wal-pusher";
        Path spool = tmp.resolve("spool-pusher");
        Path fallbacks = tmp.resolve("pusher-fallbacks.log");
        Map<String, String> env = s3Env(prefix, s3.endpoint().toString());
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/postgres");
        env.put("PGNEST_WAL_SPOOL_DIR", spool.toString());
        env.put("PGNEST_WAL_PUSH_IDLE_EXIT", "20s");
        assertThat(CliRun.run(env, tmp, "repo", "init").exitCode()).isZero();
        // the launcher as installed: the fast path first, then the JVM (each fall-through logged)
        Path launcher = tmp.resolve("pgnest-pusher-launcher");
        StringBuilder script = new StringBuilder("#!/usr/bin/env bash\nset -euo pipefail\n");
        env.forEach((k, v) -> script.append("export ").append(k).append("='").append(v).append("'\n"));
        script.append("export PGNEST_LAUNCHER='").append(launcher).append("'\n")
                .append(". '").append(FastPathLauncher.FAST_PATH).append("'\n")
                .append("echo \"$*\" >> '").append(fallbacks).append("'\nexec");
        CliProcess.inline().forEach(part -> script.append(" '").append(part).append('\''));
        Files.writeString(launcher, script.append(" \"$@\"\n").toString());
        launcher.toFile().setExecutable(true);
        pg.execute("ALTER SYSTEM SET archive_mode = 'on'");
        pg.execute("ALTER SYSTEM SET wal_keep_size = '2GB'");
        pg.execute("ALTER SYSTEM SET archive_command = '" + launcher.toString().replace("'", "''") + " wal push %p'");
        pg.restart();
        Set<Long> killed = new HashSet<>();
        try {
            // each trial: a burst of segments, and the pusher killed at a random point of its work
            // (start-up, upload, acknowledgement, idle)
            Random random = new Random(SEED + 5);
            long deadline = System.currentTimeMillis() + 120_000 + 10_000L * TRIALS;
            for (int i = 0; killed.size() < Math.max(1, TRIALS); i++) {
                assertThat(System.currentTimeMillis()).as("%d pushers killed; server log: %s", killed.size(), pg.logTail())
                        .isLessThan(deadline);
                for (int s = 0; s < 3; s++) {
                    writeAndSwitchSegment(i * 3 + s);
                }
                Thread.sleep(random.nextInt(1500));
                var pusher = pusher(spool);
                if (pusher.isPresent() && pusher.get().destroyForcibly()) { // SIGKILL
                    pusher.get().onExit().get(30, TimeUnit.SECONDS);
                    killed.add(pusher.get().pid());
                }
            }
            // the archiver catches up: the next push starts another pusher
            writeAndSwitchSegment(0);
            long caughtUp = System.currentTimeMillis() + 120_000;
            for (int i = 1; readySegments() > 0; i++) {
                assertThat(System.currentTimeMillis()).as("the archiver catches up; server log: %s", pg.logTail()).isLessThan(caughtUp);
                Thread.sleep(200);
                if (i % 25 == 0) {
                    wakeArchiver();
                }
            }
            var survivor = pusher(spool);
            assertThat(survivor).as("a pusher started after the last kill serves the spool").isPresent();
            assertThat(killed).doesNotContain(survivor.get().pid());

            List<String> done = pg.queryForRows("postgres",
                    "select replace(name, '.done', '') from pg_ls_archive_statusdir() where name like '%.done' "
                            + "and name not like '%.history%' and name not like '%.backup%' order by 1")
                    .stream().map(r -> r.get(0)).toList();
            assertThat(done).hasSizeGreaterThanOrEqualTo(3 * TRIALS);
            int lost = 0;
            for (String segment : done) {
                Path fetched = tmp.resolve("pusher-fetched-" + segment);
                CliRun fetch = CliRun.run(env, tmp, "wal", "fetch", "--prefetch", "0", segment, fetched.toString());
                if (fetch.exitCode() != 0 || !Arrays.equals(Files.readAllBytes(fetched),
                        Files.readAllBytes(pg.dataDir().resolve("pg_wal").resolve(segment)))) {
                    lost++;
                }
                Files.deleteIfExists(fetched);
            }
            // the pushes went through the pusher: only a push whose pusher was killed under it falls back to a JVM
            long direct = Files.exists(fallbacks) ? Files.readAllLines(fallbacks).stream().filter(l -> l.startsWith("wal push ")).count() : 0;
            System.out.println("reliability wal-push/pusher-kill-9       segments acknowledged=" + done.size()
                    + " pushers killed=" + killed.size() + " pushes through a JVM of their own=" + direct + " data lost=" + lost);
            assertThat(direct).as("pushes that fell back to the direct path").isLessThanOrEqualTo(killed.size());
            assertThat(lost).isZero();
            // idle for wal.push-idle-exit: the pusher ends by itself
            survivor.get().onExit().get(120, TimeUnit.SECONDS);
            assertThat(pusher(spool)).isEmpty();
        } finally {
            pg.execute("ALTER SYSTEM SET archive_mode = 'off'");
            pg.execute("ALTER SYSTEM RESET archive_command");
            pg.restart();
            // the shutdown's last segment may have started one more
            pusher(spool).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The live background pusher of a spool: the pid its lock file holds. */
    private static Optional<ProcessHandle> pusher(Path spool) throws IOException {
        if (!Files.isDirectory(spool)) {
            return Optional.empty();
        }
        try (var dirs = Files.list(spool)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("pusher-")).toList()) {
                Path lock = dir.resolve(BackgroundPusher.LOCK_FILE);
                String pid = Files.exists(lock) ? Files.readString(lock).strip() : "";
                if (!pid.isEmpty()) {
                    var handle = ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
                    if (handle.isPresent()) {
                        return handle;
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Some WAL and a switch to the next segment: one more segment for the archiver to push. */
    private static void writeAndSwitchSegment(int i) {
        pg.execute("app", "update items set name = name || '.' where id % 50 = " + (i % 50));
        pg.execute("select pg_switch_wal()");
    }

    private static int readySegments() {
        return Integer.parseInt(pg.queryForString("select count(*) from pg_ls_archive_statusdir() where name like '%.ready'"));
    }

    /**
     * After three failed pushes of a segment the archiver sleeps up to a minute; a reload's
     * SIGHUP sets its latch, so that it tries again now.
     */
    private static void wakeArchiver() {
        pg.execute("select pg_reload_conf()");
    }
}
