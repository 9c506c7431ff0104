package dev.pgnest.wal.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One pusher per spool: a second one started while the first serves leaves the spool to it;
 * a stopped pusher withdraws its endpoint and frees the lock; an idle one ends by itself.
 * (Pushes through the pusher, and kill -9 of it, are in cli's CrashAndFaultTrialsTest.)
 */
class BackgroundPusherTest {
    @TempDir
    Path tmp;

    private WalSpool spool;

    @BeforeEach
    void spool() {
        spool = WalSpool.at(tmp.resolve("spool"));
    }

    @Test
    void aSecondPusherOfTheSameSpoolLeavesItToTheFirstWhichWithdrawsItsEndpointAndLockWhenStopped() throws Exception {
        try (Storage storage = new FsStorageConfig(tmp.resolve("repo")).open()) {
            WalArchive archive = archive(storage);
            CountDownLatch stopFirst = new CountDownLatch(1);
            CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> serve(archive, spool, Duration.ofMinutes(5), stopFirst));
            for (int i = 0; i < 600 && !Files.exists(spool.pushEndpoint()); i++) {
                Thread.sleep(50);
            }
            String endpoint = Files.readString(spool.pushEndpoint());
            assertThat(Files.readString(spool.root().resolve(BackgroundPusher.LOCK_FILE)).strip())
                    .isEqualTo(String.valueOf(ProcessHandle.current().pid()));

            boolean second = serve(archive, spool, Duration.ofMinutes(5), new CountDownLatch(0));
            assertThat(second).as("a second pusher of the spool serves nothing").isFalse();
            assertThat(Files.readString(spool.pushEndpoint())).as("the first one's endpoint stays").isEqualTo(endpoint);
            assertThat(first).isNotDone();

            stopFirst.countDown();
            assertThat(first.get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(spool.pushEndpoint()).doesNotExist();
            try (FileChannel channel = FileChannel.open(spool.root().resolve(BackgroundPusher.LOCK_FILE), StandardOpenOption.WRITE);
                 FileLock lock = channel.tryLock()) {
                assertThat(lock).as("the lock is free once the pusher ended").isNotNull();
            }
        }
    }

    @Test
    void anIdlePusherEndsByItselfAndWithdrawsItsEndpoint() throws Exception {
        try (Storage storage = new FsStorageConfig(tmp.resolve("repo")).open()) {
            WalArchive archive = archive(storage);
            CountDownLatch neverStopped = new CountDownLatch(1);
            CompletableFuture<Boolean> pusher = CompletableFuture.supplyAsync(() -> serve(archive, spool, Duration.ofSeconds(1), neverStopped));
            assertThat(pusher.get(120, TimeUnit.SECONDS)).as("served, then left when idle").isTrue();
            assertThat(neverStopped.getCount()).isOne();
            assertThat(spool.pushEndpoint()).doesNotExist();
        }
    }

    private static WalArchive archive(Storage storage) {
        Repository.init(storage);
        return new WalArchive(storage, "main", Compression.ZSTD, 1);
    }

    private static boolean serve(WalArchive archive, WalSpool spool, Duration idleExit, CountDownLatch stop) {
        try {
            return BackgroundPusher.serve(WalArchives.single("", archive), spool, 1, idleExit, stop);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
