package dev.pgnest.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository side of a backup prepared in the background while data is already written:
 * a slow preparation is a real repository opened only once the test releases a latch.
 */
class PreparingBackupTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;
    Storage storage;
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() {
        storage = new FsStorageConfig(dir.resolve("repo")).open();
        Repository.init(storage);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void bytesWrittenBeforeTheBackupBeganAreStoredFirstAndInOrder() throws Exception {
        byte[] data = RepositoryTest.random(5_000_000);
        BackupManifest manifest;
        Instant before = Instant.now();
        Instant released;
        try (PreparingBackup backup = PreparingBackup.start(slowRepository(), "main", BackupKind.LOGICAL, 8 * MIB)) {
            BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.ZSTD, 3, 0);
            writeInPieces(out, data, 0, 3_000_000);
            // held in memory: the backup has not begun, so the repository has nothing of it
            assertThat(storage.list("main/")).isEmpty();
            Thread.sleep(50);
            released = Instant.now();
            release.countDown();
            writeInPieces(out, data, 3_000_000, data.length);
            out.finish();
            manifest = backup.commit(RepositoryTest.manifest(backup.await()));
        }
        BackupManifest stored = Repository.open(storage).catalog().find("main", manifest.id()).orElseThrow().manifest();
        assertThat(stored.rawSize()).isEqualTo(data.length);
        // the backup started when it was asked for, not when the repository was ready
        assertThat(stored.startTime()).isBetween(before.minusMillis(1), released.minusMillis(40));
        try (InputStream in = Compression.ZSTD.decompress(storage.get(
                RepositoryLayout.backupObjectKey("main", manifest.id(), "dump.pgdump.zst")))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(storage.stat(RepositoryLayout.inProgressKey("main", manifest.id()))).isEmpty();
    }

    @Test
    void aWriterPastTheHoldLimitWaitsUntilTheBackupHasBegun() throws Exception {
        byte[] data = RepositoryTest.random(3 * (int) MIB);
        try (PreparingBackup backup = PreparingBackup.start(slowRepository(), "main", BackupKind.LOGICAL, MIB)) {
            BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.NONE, 0, 0);
            Thread writer = new Thread(() -> {
                try {
                    writeInPieces(out, data, 0, data.length);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            awaitWaiting(writer);
            assertThat(out.rawSize()).isLessThanOrEqualTo(MIB);
            assertThat(storage.list("main/")).isEmpty();
            release.countDown();
            writer.join(10_000);
            assertThat(writer.isAlive()).isFalse();
            out.finish();
            String id = backup.await().id();
            backup.commit(RepositoryTest.manifest(backup.await()));
            assertThat(storage.getBytes(RepositoryLayout.backupObjectKey("main", id, "dump.pgdump"))).isEqualTo(data);
        }
    }

    @Test
    void aFailedPreparationFailsTheNextWriteAndIsTheErrorReportedFirst() throws IOException {
        Storage uninitialized = new FsStorageConfig(dir.resolve("elsewhere")).open();
        try (PreparingBackup backup = PreparingBackup.start(() -> Repository.open(uninitialized), "main",
                BackupKind.LOGICAL, MIB)) {
            BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.NONE, 0, 0);
            byte[] data = RepositoryTest.random(2 * (int) MIB);
            assertThatThrownBy(() -> writeInPieces(out, data, 0, data.length))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("no pgnest repository at " + dir.resolve("elsewhere"));
            out.close();
            RuntimeException databaseSide = new IllegalStateException("pg_dump failed");
            RuntimeException first = backup.firstError(databaseSide);
            assertThat(first).isInstanceOf(PgnestException.class);
            assertThat(((PgnestException) first).kind()).isEqualTo(ErrorKind.REPOSITORY);
            assertThat(first.getSuppressed()).containsExactly(databaseSide);
        } finally {
            uninitialized.close();
        }
        assertThat(storage.list("")).extracting(o -> o.key()).containsExactly(RepositoryLayout.FORMAT_KEY);
    }

    @Test
    void whenTheRepositoryIsFineTheCallersErrorIsReportedAndNothingStays() throws IOException {
        RuntimeException databaseSide = new IllegalStateException("cannot connect");
        String id;
        try (PreparingBackup backup = PreparingBackup.start(() -> Repository.open(storage), "main",
                BackupKind.LOGICAL, MIB)) {
            BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.NONE, 0, 0);
            out.write(RepositoryTest.random(3 * (int) MIB)); // past the limit: stored as it is written
            id = backup.await().id();
            assertThat(storage.stat(RepositoryLayout.inProgressKey("main", id))).isPresent();
            assertThat(backup.firstError(databaseSide)).isSameAs(databaseSide);
            out.close();
        }
        assertThat(storage.list("main/")).isEmpty();
        assertThat(storage.listIncomplete("")).isEmpty();
        assertThat(Repository.open(storage).catalog().find("main", id)).isEmpty();
    }

    @Test
    void anObjectFinishedBeforeTheBackupBeganIsStoredOnFinish() throws Exception {
        byte[] data = RepositoryTest.random(100_000);
        try (PreparingBackup backup = PreparingBackup.start(slowRepository(), "main", BackupKind.LOGICAL, 8 * MIB)) {
            BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.GZIP, 6, 0);
            out.write(data);
            Thread releaser = new Thread(() -> {
                sleep(200);
                release.countDown();
            });
            releaser.start();
            BackupManifest.BackupObject object = out.finish(); // waits for the backup to begin
            assertThat(object.rawSize()).isEqualTo(data.length);
            BackupManifest m = backup.commit(RepositoryTest.manifest(backup.await()));
            assertThat(m.objects()).containsExactly(object);
        }
    }

    /** A real repository that opens once the test counts the latch down. */
    private Supplier<Repository> slowRepository() {
        return () -> {
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the repository");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Repository.open(storage);
        };
    }

    private static void writeInPieces(BackupObjectOutput out, byte[] data, int from, int to) throws IOException {
        Random sizes = new Random(from);
        for (int at = from; at < to; ) {
            int n = Math.min(to - at, 1 + sizes.nextInt(200_000));
            out.write(Arrays.copyOfRange(data, at, at + n));
            at += n;
        }
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("writer blocks at the hold limit").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
