package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Flushes restored files to disk while the next ones are still being decompressed. PostgreSQL
 * fsyncs the whole data directory when it starts on a backup (its pg_control says it was not
 * shut down cleanly); by then the disk has written what it could during the restore, instead
 * of starting on a gigabyte of dirty pages while the CPU waits.
 */
final class FileSync implements AutoCloseable {
    private final ExecutorService pool;
    private final List<Future<?>> pending = new ArrayList<>();

    FileSync(int parallelism) {
        // waiting on the disk, not the CPU: more threads than decompressors keep it busy
        pool = Executors.newFixedThreadPool(Math.max(2, parallelism * 2), r -> {
            Thread t = new Thread(r, "pgnest-restore-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts flushing {@code file} (written and closed). */
    synchronized void submit(Path file) {
        pending.add(pool.submit(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (NoSuchFileException e) {
                // removed since by a later piece of the chain: nothing to flush
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot flush " + file + " to disk: " + e.getMessage(),
                        "check the destination's disk, then restore again", e);
            }
            return null;
        }));
    }

    /** Waits until every submitted file is on disk. */
    void awaitAll() {
        List<Future<?>> all;
        synchronized (this) {
            all = new ArrayList<>(pending);
            pending.clear();
        }
        PhysicalRestore.awaitAll(all, "flushing restored files failed");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
