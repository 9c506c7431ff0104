package dev.pgnest.wal.fetch;

import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalFileName;
import dev.pgnest.wal.WalNotFoundException;
import dev.pgnest.wal.WalSegment;
import dev.pgnest.wal.WalSpool;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code restore_command}: fetches the requested WAL file, and keeps a background prefetcher
 * fetching the following segments in parallel into the spool ({@code <spool>/fetch/}), where
 * the next calls find them already downloaded and verified — the launcher's fast path moves
 * them into place without starting a JVM.
 *
 * <p>The prefetcher is a separate process (recovery waits for restore_command to exit), one
 * per spool (a file lock), told where recovery is by {@code want} (the last file fetched the
 * slow way) and by which of its segments have been taken from the spool. It stops after
 * {@link #idleTimeout} without progress and removes what it left.
 */
public final class WalFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(WalFetcher.class);
    static final String WANT = "want";
    static final String OWNER = "owner";
    static final String LOCK = ".lock";

    /** Starts {@code wal prefetch --after <name>} as a detached process. */
    @FunctionalInterface
    public interface PrefetchLauncher {
        void launch(String after) throws IOException;
    }

    private final WalArchives archive;
    private final Path dir;
    private final int depth;
    private final int parallelism;
    private final Duration idleTimeout;

    /**
     * @param depth       segments fetched ahead of recovery (0: no prefetch)
     * @param parallelism downloads at once
     */
    public WalFetcher(WalArchive archive, WalSpool spool, int depth, int parallelism, Duration idleTimeout) {
        this(WalArchives.single("", archive), spool, depth, parallelism, idleTimeout);
    }

    /** Fetches from the first of several repositories that has the file (see {@link WalArchives#fetch}). */
    public WalFetcher(WalArchives archive, WalSpool spool, int depth, int parallelism, Duration idleTimeout) {
        this.archive = archive;
        this.dir = spool.create().fetchDirectory();
        this.depth = Math.max(0, depth);
        this.parallelism = Math.max(1, parallelism);
        this.idleTimeout = idleTimeout;
    }

    /**
     * Puts {@code walFileName} at {@code destination} — from the spool when the prefetcher has
     * it, else from the archive — and makes sure a prefetcher works on what follows.
     *
     * @throws WalNotFoundException when the archive does not have it
     */
    public long fetch(String walFileName, Path destination, PrefetchLauncher launcher) {
        claimSpool();
        Path spooled = dir.resolve(walFileName);
        long size;
        if (Files.isRegularFile(spooled) && move(spooled, destination)) {
            size = sizeOf(destination);
        } else {
            size = archive.fetchForRecovery(walFileName, destination);
        }
        if (depth > 0 && WalFileName.isSegment(walFileName)) {
            writeAtomically(dir.resolve(WANT), walFileName);
            if (!prefetcherRunning()) {
                try {
                    launcher.launch(walFileName);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot start the WAL prefetcher ({}); fetching one file at a time", e.getMessage());
                }
            }
        }
        return size;
    }

    /**
     * The prefetcher's loop: keeps the {@code depth} segments after recovery's position
     * downloaded, until recovery makes no progress for {@link #idleTimeout}. Returns at once
     * when another prefetcher holds the spool.
     */
    public void prefetch(String after) {
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                return;
            }
            new Loop(after).run();
        } catch (IOException e) {
            LOG.warn("WAL prefetcher stopped: {}", e.getMessage());
        }
    }

    private final class Loop {
        final long segmentSize = archive.info().map(i -> i.segmentSize()).orElse(WalSegment.DEFAULT_SIZE);
        final ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "pgnest-wal-prefetch");
            t.setDaemon(true);
            return t;
        });
        final Map<String, Future<?>> inFlight = new HashMap<>();
        // written by the download threads, read by the loop
        final Set<String> fetched = ConcurrentHashMap.newKeySet();
        final Map<String, Long> missingSince = new ConcurrentHashMap<>();
        WalSegment position;
        String lastWant;
        long lastProgress = System.nanoTime();

        Loop(String after) {
            position = WalSegment.parse(after, segmentSize);
        }

        void run() {
            try {
                while (System.nanoTime() - lastProgress < idleTimeout.toNanos()) {
                    follow();
                    fill();
                    sleep(20);
                }
            } finally {
                pool.shutdownNow();
                clean(Optional.empty());
            }
        }

        /** Where is recovery? At the last slow fetch, or past the spooled segments it took. */
        void follow() {
            String want = read(dir.resolve(WANT));
            if (want != null && !want.equals(lastWant) && WalFileName.isSegment(want)) {
                lastWant = want;
                WalSegment w = WalSegment.parse(want, segmentSize);
                if (w.timeline() != position.timeline() || w.number() > position.number()) {
                    position = w;
                    lastProgress = System.nanoTime();
                    clean(Optional.of(position));
                }
            }
            for (var it = fetched.iterator(); it.hasNext(); ) {
                String name = it.next();
                if (!Files.exists(dir.resolve(name))) {
                    it.remove();
                    WalSegment taken = WalSegment.parse(name, segmentSize);
                    if (taken.timeline() == position.timeline() && taken.number() > position.number()) {
                        position = taken;
                    }
                    lastProgress = System.nanoTime();
                }
            }
        }

        void fill() {
            inFlight.values().removeIf(Future::isDone);
            for (int i = 1; i <= depth && inFlight.size() < parallelism; i++) {
                WalSegment s = position.plus(i);
                String name = s.name(segmentSize);
                if (fetched.contains(name) || inFlight.containsKey(name) || Files.exists(dir.resolve(name))) {
                    continue;
                }
                Long missing = missingSince.get(name);
                if (missing != null && System.nanoTime() - missing < Duration.ofSeconds(2).toNanos()) {
                    break; // the archive ends here for now; look again shortly
                }
                inFlight.put(name, pool.submit(() -> download(name)));
            }
        }

        void download(String name) {
            try {
                archive.fetch(name, dir.resolve(name));
                fetched.add(name);
                missingSince.remove(name);
            } catch (WalNotFoundException e) {
                missingSince.put(name, System.nanoTime());
            } catch (RuntimeException e) {
                LOG.debug("prefetch of {} failed: {}", name, e.getMessage());
            }
        }

        /** Removes spooled segments recovery will not ask for (before {@code keepAfter}, other timelines), or all. */
        void clean(Optional<WalSegment> keepAfter) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                for (Path p : s) {
                    String name = p.getFileName().toString();
                    if (!WalFileName.isSegment(name)) {
                        continue;
                    }
                    WalSegment seg = WalSegment.parse(name, segmentSize);
                    if (keepAfter.isEmpty() || seg.timeline() != keepAfter.get().timeline()
                            || seg.number() <= keepAfter.get().number()) {
                        Files.deleteIfExists(p);
                        fetched.remove(name);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot clean the fetch spool: {}", e.getMessage());
            }
        }
    }

    /** A spool used for another archive is emptied first, so it never serves another cluster's WAL. */
    private void claimSpool() {
        String owner = archive.target() + " " + archive.location();
        Path ownerFile = dir.resolve(OWNER);
        if (owner.equals(read(ownerFile))) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (WalFileName.classify(p.getFileName().toString()).isPresent()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot empty the fetch spool: {}", e.getMessage());
        }
        writeAtomically(ownerFile, owner);
    }

    private boolean prefetcherRunning() {
        try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            return lock == null;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            return true;
        }
    }

    private static boolean move(Path from, Path to) {
        try {
            try {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (NoSuchFileException e) {
            return false; // the prefetcher cleaned it meanwhile
        } catch (IOException e) {
            return false;
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeAtomically(Path p, String content) {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.debug("cannot write {}: {}", p, e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
