package dev.pgnest.wal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.TimelineHistory;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalCoverage;
import dev.pgnest.wal.WalSegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code wal stream} without archive_command: every segment arrives, across a server restart. */
@IntegrationTest
class WalStreamerTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("max_wal_senders", "4"));

    static final long SEGMENT = WalSegment.DEFAULT_SIZE;

    @TempDir
    static Path tmp;
    static PostgresCluster pg; // started by servers
    static Storage storage;
    static WalArchive archive;

    @BeforeAll
    static void createArchive() {
        storage = servers.closeAfterAll(new FsStorageConfig(tmp.resolve("repo")).open());
        Repository.init(storage);
        archive = new WalArchive(storage, "main", Compression.ZSTD, 1);
        pg.execute("CREATE TABLE t (id serial, payload text)");
    }

    @Test
    void streamsEverySegmentAndSurvivesAServerRestartWithoutAGap() throws Exception {
        DatabaseConnection db = new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(), pg.password(), Map.of());
        WalStreamer streamer = new WalStreamer(db, new WalStreamer.Options("pgnest_test", tmp.resolve("spool"), 2,
                Duration.ofMillis(200)), (name, file) -> archive.push(file));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                streamer.run(running::get);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "test-wal-stream");
        thread.start();
        try {
            awaitSlot();
            WalSegment first = WalSegment.containing(1, Lsn.parse(pg.queryForString(
                    "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'pgnest_test'")), SEGMENT);
            String beforeRestart = writeLoad(4);
            awaitStored(beforeRestart, failure);
            pg.restart();
            String afterRestart = writeLoad(4);
            awaitStored(afterRestart, failure);

            WalArchive.Contents contents = archive.contents();
            assertThat(WalCoverage.missing(contents.segments(), first,
                    WalSegment.parse(afterRestart, SEGMENT).number(), TimelineHistory.first(), SEGMENT)).isEmpty();
            // the object is visible before the streamer collects its upload and counts it: wait for the count
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (streamer.progress().segmentsStored() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // streamed segments are byte-identical to the server's files: the same push check would refuse others
            assertThat(streamer.progress().segmentsStored()).isGreaterThanOrEqualTo(8);
            // the slot was told: the server may recycle what is stored
            Lsn stored = WalSegment.parse(afterRestart, SEGMENT).endLsn(SEGMENT);
            Lsn restart = Lsn.parse(pg.queryForString("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'pgnest_test'"));
            while (restart.compareTo(stored) < 0 && System.nanoTime() < deadline) { // feedback goes every 200 ms
                Thread.sleep(50);
                restart = Lsn.parse(pg.queryForString("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'pgnest_test'"));
            }
            assertThat(restart).isGreaterThanOrEqualTo(WalSegment.parse(afterRestart, SEGMENT).endLsn(SEGMENT));
        } finally {
            running.set(false);
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(thread.isAlive()).isFalse();
        try (var left = Files.list(tmp.resolve("spool"))) {
            assertThat(left.filter(p -> !p.getFileName().toString().endsWith(".partial"))).isEmpty();
        }
    }

    static void awaitSlot() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"t".equals(pg.queryForString("SELECT active FROM pg_replication_slots WHERE slot_name = 'pgnest_test'"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("slot not active in 30 s\n" + pg.logTail());
            }
            Thread.sleep(50);
        }
    }

    static String writeLoad(int segments) {
        String last = null;
        for (int i = 0; i < segments; i++) {
            pg.execute("INSERT INTO t (payload) SELECT md5(g::text) FROM generate_series(1, 2000) g");
            last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        }
        return last;
    }

    static void awaitStored(String segment, AtomicReference<Throwable> failure) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!archive.contains(segment)) {
            if (failure.get() != null) {
                throw new AssertionError("streamer failed", failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("segment " + segment + " not streamed in 60 s\n" + pg.logTail());
            }
            Thread.sleep(50);
        }
    }
}
