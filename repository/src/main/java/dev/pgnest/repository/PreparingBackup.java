package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup whose repository side is still being prepared on a background thread while the
 * caller already produces its data.
 *
 * <p>Opening the storage (building an S3 client), reading the repository format, removing the
 * leftovers of dead backups ({@link RepositoryCheck#cleanTarget}) and writing the in-progress
 * marker are several round trips: most of a second in a command-line JVM, serial before
 * pg_dump could start. Here pg_dump starts at once; the first compressed bytes of each object
 * wait in memory, at most {@code holdLimit} bytes, until the backup has begun, then go to
 * storage in order, and later bytes are written through. A writer past the limit waits.
 *
 * <p>Nothing is stored before {@link Repository#begin} returned, so the guarantees are those
 * of {@link PendingBackup}: only {@link #commit} makes the backup exist, closing without it
 * removes what was written, and a killed process leaves at most a marker and unfinished
 * uploads for {@link RepositoryCheck}. When the preparation fails, the next write, finish or
 * {@link #await} throws its error.
 */
public final class PreparingBackup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PreparingBackup.class);

    private final CompletableFuture<PendingBackup> begun = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private final long holdLimit;

    private PreparingBackup(Supplier<Repository> repository, String target, BackupKind kind, long holdLimit) {
        RepositoryLayout.checkTarget(target);
        this.holdLimit = holdLimit;
        this.thread = new Thread(() -> prepare(repository, target, kind), "pgnest-backup-prepare");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Starts preparing a backup of {@code target}: on a background thread, opens the repository
     * ({@code repository.get()}), removes leftovers of dead backups of the target and
     * {@linkplain Repository#begin begins} the backup.
     *
     * @param holdLimit bytes held in memory per object until the backup has begun
     */
    public static PreparingBackup start(Supplier<Repository> repository, String target, BackupKind kind,
                                        long holdLimit) {
        if (holdLimit < 0) {
            throw new IllegalArgumentException("holdLimit must not be negative");
        }
        return new PreparingBackup(repository, target, kind, holdLimit);
    }

    private void prepare(Supplier<Repository> repository, String target, BackupKind kind) {
        try {
            Repository r = repository.get();
            for (RepositoryCheck.Finding f : RepositoryCheck.cleanTarget(r, target)) {
                if (f.removed()) {
                    LOG.info("removed leftovers of an earlier backup: {} ({})", f.location(), f.detail());
                }
            }
            // the backup started now, not when the repository was ready: a dump's snapshot may
            // be older than that, and the manifest's start time must not be later than its data
            PendingBackup backup = r.begin(target, kind,
                    r.clock().instant().minusNanos(System.nanoTime() - startNanos));
            LOG.info("backup {} to {}", backup.id(), backup.location());
            begun.complete(backup);
        } catch (Throwable t) {
            begun.completeExceptionally(t);
        }
    }

    /**
     * Opens a new object of this backup, as {@link PendingBackup#newObject(String, Compression, int, int)}
     * does; its bytes are held until the backup has begun.
     */
    public BackupObjectOutput newObject(String name, Compression compression, int level, int workers) {
        String stored = name + compression.extension();
        return BackupObjectOutput.open(stored, compression, level, workers, new HeldOutput(stored),
                o -> await().finished(o));
    }

    /** Waits until the backup has begun; throws the preparation's error when it failed. */
    public PendingBackup await() {
        try {
            return begun.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while preparing the backup",
                    "nothing was stored");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The error to report when the caller's side failed with {@code failure}: the preparation's
     * own error when it failed too (the repository is named first, as when it was opened before
     * anything else), otherwise {@code failure}.
     */
    public RuntimeException firstError(RuntimeException failure) {
        try {
            await();
            return failure;
        } catch (RuntimeException repositoryError) {
            if (repositoryError != failure) {
                repositoryError.addSuppressed(failure);
            }
            return repositoryError;
        }
    }

    /** Commits the backup (see {@link PendingBackup#commit}) once it has begun. */
    public BackupManifest commit(BackupManifest manifest) {
        return await().commit(manifest);
    }

    /**
     * Waits for the preparation to end, then closes the backup as {@link PendingBackup#close}
     * does: unless committed, everything written is removed. Never throws.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the preparation's writes must be undone, so keep waiting
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!begun.isCompletedExceptionally()) {
            begun.join().close(); // the thread has ended, so the future is complete
        }
    }

    /**
     * An object's storage output that holds the bytes written before the backup has begun
     * (in 1 MiB chunks, at most {@link #holdLimit}), then replays them into the real output.
     */
    private final class HeldOutput extends StorageOutput {
        private static final int CHUNK = 1 << 20;

        private final String stored;
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        private byte[] last;
        private int lastLength;
        private long held;
        private StorageOutput out;

        HeldOutput(String stored) {
            this.stored = stored;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (out == null && (begun.isDone() || held + len > holdLimit)) {
                attach();
            }
            if (out != null) {
                out.write(b, off, len);
                return;
            }
            held += len;
            while (len > 0) {
                if (last == null || lastLength == last.length) {
                    last = new byte[CHUNK];
                    lastLength = 0;
                    chunks.add(last);
                }
                int n = Math.min(len, last.length - lastLength);
                System.arraycopy(b, off, last, lastLength, n);
                lastLength += n;
                off += n;
                len -= n;
            }
        }

        private void attach() throws IOException {
            out = await().createObject(stored);
            for (byte[] chunk; (chunk = chunks.poll()) != null; ) {
                out.write(chunk, 0, chunk == last ? lastLength : chunk.length);
            }
            last = null;
            held = 0;
        }

        @Override
        public long commit() {
            if (out == null) {
                try {
                    attach();
                } catch (IOException e) {
                    throw new StorageException("cannot store backup object " + stored + ": " + StorageException.describe(e),
                            "check the repository location and free space, then retry", e);
                }
            }
            return out.commit();
        }

        @Override
        public void close() {
            chunks.clear();
            last = null;
            if (out != null) {
                out.close();
            }
        }
    }
}
