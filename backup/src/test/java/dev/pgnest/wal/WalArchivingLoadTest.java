package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.push.WalPushService;
import dev.pgnest.wal.stream.WalStreamer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's "done when" under load: archive_command is the launcher ({@code pgnest wal push %p},
 * falling back to a JVM per segment), a rate-limited pgbench load runs for
 * {@code -Dpgnest.loadSeconds} (default 45; 180 with {@code -Preliability}) and the server is
 * restarted ({@code pg_ctl stop -m fast; start}) halfway through. Every segment from a base
 * backup's start to the last switched one must be in the archive, gap-free as {@code wal check}
 * sees it: once with the push service running (fast path), once without (direct path).
 * Meanwhile {@code wal stream} stores the same WAL through a replication slot into a second
 * target and must keep up, survive both restarts, and hold byte-identical segments.
 *
 * <p>{@code archive_timeout} switches segments every few seconds, so the number of segments
 * does not depend on how fast the (shared, loaded) machine runs pgbench; pgbench's own writes
 * fill segments too, with checkpoints every 30 s bringing full-page images back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class WalArchivingLoadTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3OnTempDirectory();

    static final long SEGMENT = WalSegment.DEFAULT_SIZE;
    static final int LOAD_SECONDS = Integer.getInteger("pgnest.loadSeconds", 45);
    static final int RATE = Integer.getInteger("pgnest.loadRate", 400);
    static final Path PGBENCH_DIR = PostgresCluster.DEFAULT_BIN_DIR;
    /** The direct path starts a JVM per segment: give the archiver time to work off its backlog. */
    static final Duration CATCH_UP = Duration.ofSeconds(120 + 2L * LOAD_SECONDS);
    static final String SLOT = "pgnest_load";
    /** "Keeps up": the streamer stores the last segment of the load this soon after it was switched. */
    static final double STREAM_KEEPS_UP_WITHIN = 30;

    @TempDir
    static Path tmp;
    static S3Server s3; // started by servers
    static Storage storage;
    static Repository repository;
    static WalArchive archive;
    static WalArchive streamed;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static Path spool;
    static Path fallbackLog;
    static WalStreamer streamer;
    static Thread streamThread;
    static final AtomicBoolean streaming = new AtomicBoolean(true);
    static final AtomicReference<Throwable> streamFailure = new AtomicReference<>();
    static final AtomicLong streamedAgain = new AtomicLong();
    static WalSegment streamFirst;
    static String lastSwitched;
    static final List<String> figures = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Properties config = WalCommandFixture.s3Config(s3, "repo", "main");
        String fixture = WalCommandFixture.command(tmp, config);
        spool = tmp.resolve("spool");
        fallbackLog = Files.createFile(tmp.resolve("fallbacks.log"));
        Path launcher = FastPathLauncher.write(tmp, fixture, spool, fallbackLog);
        storage = servers.closeAfterAll(WalCommandFixture.open(config));
        Repository.init(storage);
        repository = Repository.open(storage);
        archive = new WalArchive(storage, "main", Compression.ZSTD, 3);
        streamed = new WalArchive(storage, "streamed", Compression.ZSTD, 1);
        pg = servers.closeAfterAll(PostgresCluster.builder()
                .setting("wal_level", "replica")
                .setting("archive_mode", "on")
                .setting("archive_command", launcher + " wal push %p")
                .setting("archive_timeout", "4s")
                .setting("checkpoint_timeout", "30s")
                .setting("max_wal_senders", "4")
                .start());
        ProcessResult init = pgbench("-i", "-s", "4", "-q");
        assertThat(init.exitCode()).as(init.output()).isZero();

        DatabaseConnection db = new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(), pg.password(), Map.of());
        streamer = new WalStreamer(db, new WalStreamer.Options(SLOT, tmp.resolve("stream-spool"), 2, Duration.ofMillis(500)),
                (name, file) -> {
                    if (streamed.push(file).outcome() == WalArchive.PushOutcome.ALREADY_ARCHIVED) {
                        streamedAgain.incrementAndGet();
                    }
                });
        streamThread = new Thread(() -> {
            try {
                streamer.run(streaming::get);
            } catch (Throwable t) {
                streamFailure.set(t);
            }
        }, "test-wal-stream");
        streamThread.start();
        servers.closeAfterAll(() -> {
            streaming.set(false);
            streamThread.join(30_000);
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"t".equals(pg.queryForString("SELECT active FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"))) {
            assertThat(System.nanoTime()).as("slot active within 30 s").isLessThan(deadline);
            assertThat(streamFailure.get()).isNull();
            WalTestSupport.sleep(50);
        }
        streamFirst = WalSegment.containing(1, Lsn.parse(pg.queryForString(
                "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")), SEGMENT);
    }

    @AfterAll
    static void printFigures() {
        figures.forEach(System.out::println);
    }

    @Test
    @Order(1)
    void withThePushServiceRunningALoadWithARestartArchivesEverySegment() throws Exception {
        long fallbacksBefore = Files.readAllLines(fallbackLog).size();
        try (WalPushService service = WalPushService.start(archive, WalSpool.at(spool), 0, 4)) {
            Variant v = runVariant("push service (fast path)");
            assertThat(service.acknowledged()).isGreaterThanOrEqualTo(v.segments());
        }
        assertThat(Files.readAllLines(fallbackLog).subList((int) fallbacksBefore, Files.readAllLines(fallbackLog).size()))
                .as("pushes that fell back to the direct path").isEmpty();
    }

    @Test
    @Order(2)
    void withoutThePushServiceTheDirectPathArchivesEverySegmentOfALoadWithARestart() throws Exception {
        long fallbacksBefore = Files.readAllLines(fallbackLog).size();
        Variant v = runVariant("direct path (JVM per segment)");
        List<String> fallbacks = Files.readAllLines(fallbackLog);
        assertThat(fallbacks.size() - fallbacksBefore).as("pushes through the direct path").isGreaterThanOrEqualTo(v.segments());
        assertThat(fallbacks.subList((int) fallbacksBefore, fallbacks.size())).allMatch(l -> l.startsWith("wal push pg_wal/"));
    }

    @Test
    @Order(3)
    void walStreamKeptUpAcrossBothRestartsWithTheSameSegments() throws Exception {
        assertThat(streamFailure.get()).isNull();
        assertThat(streamThread.isAlive()).isTrue();

        WalArchive.Contents contents = streamed.contents();
        WalSegment last = WalSegment.parse(lastSwitched, SEGMENT);
        assertThat(WalCoverage.missing(contents.segments(), streamFirst, last.number(), TimelineHistory.first(), SEGMENT))
                .as("segments missing in the streamed target").isEmpty();
        assertThat(WalCoverage.gapsWithinTimelines(contents.segments())).isEmpty();
        // the same WAL as archive_command stored: byte for byte (no segment overwritten or cut short)
        int compared = 0;
        for (long n = streamFirst.number(); n <= last.number(); n++) {
            String name = new WalSegment(1, n).name(SEGMENT);
            assertThat(digest(streamed, name)).as("streamed %s", name).isEqualTo(digest(archive, name));
            compared++;
        }
        assertThat(streamer.progress().segmentsStored()).isGreaterThanOrEqualTo(compared);
        // the slot was told: the server may recycle what is stored
        Lsn restart = Lsn.parse(pg.queryForString("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"));
        assertThat(restart).isGreaterThanOrEqualTo(last.endLsn(SEGMENT));
        figures.add(String.format(Locale.ROOT, "wal stream: %d segments %s..%s stored gap-free and byte-identical to the "
                        + "archived ones across 2 server restarts (%d received again after reconnecting, stored once)",
                compared, streamFirst.name(SEGMENT), lastSwitched, streamedAgain.get()));
    }

    // ------------------------------------------------------------------------------ one variant

    record Variant(long segments) {
    }

    static Variant runVariant(String name) throws Exception {
        long failedBefore = Long.parseLong(pg.queryForString("SELECT failed_count FROM pg_stat_archiver"));
        BackupManifest base = new PhysicalBackup(new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(),
                pg.password(), Map.of()), repository, "main", archive,
                PhysicalBackup.Options.defaults().withMethod(PhysicalBackup.Method.FILES).withParallelism(2)).run().manifest();
        WalSegment first = WalSegment.parse(base.physical().startWal(), SEGMENT);

        long began = System.nanoTime();
        Sampler sampler = new Sampler();
        Load load = new Load(LOAD_SECONDS, RATE);
        try {
            sleepUntil(began + TimeUnit.SECONDS.toNanos(LOAD_SECONDS) / 2);
            load.restartBegan = System.nanoTime();
            pg.restart();
            load.restartEnded = System.nanoTime();
            load.thread.join(TimeUnit.SECONDS.toMillis(LOAD_SECONDS + 60L));
        } finally {
            load.stop();
            sampler.stop();
        }
        double loadSeconds = (System.nanoTime() - began) / 1e9;
        assertThat(load.unexpected).as("pgbench failures outside the restart").isEmpty();
        assertThat(load.transactions.get()).isPositive();

        lastSwitched = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        double[] after = awaitArchivedAndStreamed(lastSwitched);
        assertThat(after[1]).as("seconds until wal stream had the last switched segment").isLessThan(STREAM_KEEPS_UP_WITHIN);

        // what wal check reports: no gap anywhere, and the base backup recoverable to the last switched segment
        WalCheck.Report report = WalCheck.run(archive, WalCheck.BackupRef.physical(List.of(base)));
        WalSegment last = WalSegment.parse(lastSwitched, SEGMENT);
        assertThat(report.gaps()).isEmpty();
        assertThat(report.healthy()).isTrue();
        assertThat(report.backups().get(0).reachable()).hasValueSatisfying(r -> assertThat(r.number()).isGreaterThanOrEqualTo(last.number()));
        WalArchive.Contents contents = archive.contents();
        assertThat(WalCoverage.missing(contents.segments(), first, last.number(), TimelineHistory.first(), SEGMENT)).isEmpty();
        long segments = last.number() - first.number() + 1;
        assertThat(segments).as("segments written under load").isGreaterThanOrEqualTo(LOAD_SECONDS / 8);
        assertThat(Long.parseLong(pg.queryForString("SELECT failed_count FROM pg_stat_archiver"))).isEqualTo(failedBefore);

        figures.add(String.format(Locale.ROOT, "%s: %.0f s of pgbench -R %d (%d transactions, server restarted after %.0f s "
                        + "in %.1f s): %d segments %s..%s archived gap-free (%.2f segments/s); archiver at most %d segments "
                        + "behind, caught up %.1f s after the last switch; wal stream at most %.1f MB behind, had the "
                        + "last switched segment after %.1f s",
                name, loadSeconds, RATE, load.transactions.get(), (load.restartBegan - began) / 1e9,
                (load.restartEnded - load.restartBegan) / 1e9, segments, first.name(SEGMENT), lastSwitched,
                segments / loadSeconds, sampler.archiverBehind.get(), after[0], sampler.streamBehind.get() / 1048576.0,
                after[1]));
        return new Variant(segments);
    }

    /** pgbench, rate-limited, until the deadline; a run cut short by the server's restart is started again. */
    static final class Load {
        final Thread thread;
        final AtomicLong transactions = new AtomicLong();
        final List<String> unexpected = new ArrayList<>();
        volatile long restartBegan;
        volatile long restartEnded;
        volatile Process current;
        volatile boolean stopped;

        Load(int seconds, int rate) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            thread = new Thread(() -> {
                while (!stopped) {
                    long remaining = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
                    if (remaining < 2) {
                        return;
                    }
                    long began = System.nanoTime();
                    ProcessResult r = pgbench(p -> current = p, "-n", "-c", "4", "-j", "2", "-R", Integer.toString(rate),
                            "-T", Long.toString(remaining));
                    Matcher m = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(r.output());
                    if (m.find()) {
                        transactions.addAndGet(Long.parseLong(m.group(1)));
                    }
                    boolean duringRestart = restartBegan != 0 && (restartEnded == 0 || began < restartEnded + 1_000_000_000L);
                    if (r.exitCode() != 0 && !stopped) {
                        if (!duringRestart) {
                            synchronized (unexpected) {
                                unexpected.add(r.output());
                            }
                            return;
                        }
                        WalTestSupport.sleep(200);
                    }
                }
            }, "test-pgbench");
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped = true;
            Process p = current;
            if (p != null) {
                p.destroy();
            }
            thread.join(30_000);
        }
    }

    /** Samples how far the archiver and the streamer are behind the server's WAL, every half second. */
    static final class Sampler {
        final AtomicLong archiverBehind = new AtomicLong();
        final AtomicLong streamBehind = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Sampler() {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        List<String> row = pg.queryForRows("postgres", "SELECT pg_current_wal_lsn()::text, "
                                + "coalesce(last_archived_wal, '') FROM pg_stat_archiver").get(0);
                        Lsn current = Lsn.parse(row.get(0));
                        long currentSegment = WalSegment.containing(1, current, SEGMENT).number();
                        if (!row.get(1).isEmpty() && WalFileName.isSegment(row.get(1))) {
                            archiverBehind.accumulateAndGet(currentSegment - 1 - WalSegment.parse(row.get(1), SEGMENT).number(), Math::max);
                        }
                        Lsn stored = streamer.progress().confirmed();
                        if (stored.value() > 0) {
                            streamBehind.accumulateAndGet(current.minus(stored), Math::max);
                        }
                    } catch (RuntimeException e) {
                        // the server is restarting
                    }
                    WalTestSupport.sleep(500);
                }
            }, "test-lag-sampler");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    record ProcessResult(int exitCode, String output) {
    }

    static ProcessResult pgbench(String... args) {
        return pgbench(p -> { }, args);
    }

    static ProcessResult pgbench(java.util.function.Consumer<Process> started, String... args) {
        List<String> command = new ArrayList<>();
        command.add(PGBENCH_DIR.resolve("pgbench").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(pg.libpqEnvironment());
        try {
            Process p = pb.start();
            started.accept(p);
            String output = new String(p.getInputStream().readAllBytes());
            return new ProcessResult(p.waitFor(), output);
        } catch (IOException e) {
            throw new AssertionError("cannot run pgbench", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Seconds until {@code name} was in the archive and in the streamed target. */
    static double[] awaitArchivedAndStreamed(String name) {
        long switched = System.nanoTime();
        long deadline = switched + CATCH_UP.toNanos();
        double archived = -1;
        double stored = -1;
        while (archived < 0 || stored < 0) {
            if (archived < 0 && archive.contains(name)) {
                archived = (System.nanoTime() - switched) / 1e9;
            }
            if (stored < 0 && streamed.contains(name)) {
                stored = (System.nanoTime() - switched) / 1e9;
            }
            if (streamFailure.get() != null) {
                throw new AssertionError("wal stream failed", streamFailure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not " + (archived < 0 ? "archived" : "streamed") + " within "
                        + CATCH_UP.toSeconds() + " s; archiver: " + pg.queryForRows("postgres", "SELECT * FROM pg_stat_archiver")
                        + ", stream stored up to " + streamer.progress().lastStored() + "\n" + pg.logTail());
            }
            WalTestSupport.sleep(100);
        }
        return new double[] {archived, stored};
    }

    /** SHA-256 of an archived segment's content (decompressed). */
    static String digest(WalArchive from, String name) throws Exception {
        String key = dev.pgnest.repository.RepositoryLayout.walKey(from.target(), name, Compression.ZSTD);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Compression.ZSTD.decompress(from.storage().get(key))) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            WalTestSupport.sleep(TimeUnit.NANOSECONDS.toMillis(left));
        }
    }
}
