package dev.pgnest.restore.pitr;

import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.wal.TimelineHistory;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalFileName;
import dev.pgnest.wal.WalNotFoundException;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-ahead of the WAL a recovery will ask for. PostgreSQL runs restore_command once per file,
 * one after the other; a JVM per file would dominate the restore. While the server replays,
 * this spool downloads the next segments in parallel (through {@link WalArchive#fetch}, which
 * checks each one) into a directory of the run; restore_command hands a spooled segment over
 * (a hard link where the spool and pg_wal share a file system, a copy otherwise), answers "not archived" for the files the archive is known not to have
 * (the probes for newer timelines, the end of the archive), and falls back to the real
 * {@code pgnest wal fetch} for anything else. Correctness never depends on the spool.
 */
final class WalSpool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalSpool.class);

    private final WalArchive archive;
    private final Path dir;
    private final List<String> segments;
    private final int depth;
    private final ServerAccount account;
    private final ExecutorService pool;
    private final Thread feeder;
    /**
     * Whether the spool's copies are flushed as they are written. Where restore_command can hard
     * link a copy into pg_wal, PostgreSQL's own flush of the segment (it flushes every restored
     * file) then finds nothing left to write: the disk writes happen here, ahead of the replay,
     * instead of in the replay's path. Where it must copy, flushing would write each segment twice.
     */
    private final boolean durable;
    private final long segmentSize;
    private volatile boolean closed;
    private static final String BOOT_ID = bootId();

    /**
     * @param segments the segments recovery will read, in order
     * @param histories the archive's history files (copied, PostgreSQL asks for them repeatedly)
     * @param missing   files the archive does not have that recovery will ask for
     */
    private WalSpool(WalArchive archive, Path dir, List<String> segments, int depth, int parallelism, ServerAccount account,
                     boolean durable, long segmentSize) {
        this.archive = archive;
        this.durable = durable;
        this.segmentSize = segmentSize;
        this.dir = dir;
        this.segments = segments;
        this.depth = depth;
        this.account = account;
        this.pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "pgnest-wal-spool");
            t.setDaemon(true);
            return t;
        });
        this.feeder = new Thread(this::feed, "pgnest-wal-spool-feeder");
        feeder.setDaemon(true);
    }

    /**
     * Prepares the spool for a recovery from {@code start} to {@code last} (following
     * {@code last}'s timeline history) and starts reading ahead.
     *
     * @param pgWal the restored cluster's pg_wal, where restore_command puts what it serves
     */
    static WalSpool start(WalArchive archive, WalArchive.Contents contents, Path dir, Path pgWal, WalSegment start,
                          WalSegment last, int depth, int parallelism, ServerAccount account) throws IOException {
        long size = contents.segmentSize();
        TimelineHistory history = archive.history(last.timeline());
        List<String> segments = new ArrayList<>();
        for (long n = start.number(); n <= last.number(); n++) {
            segments.add(new WalSegment(history.timelineOfSegment(n, size), n).name(size));
        }
        Files.createDirectories(dir.resolve("history"));
        Files.createDirectories(dir.resolve("missing"));
        Files.createDirectories(dir.resolve(".incoming"));
        Files.createDirectories(dir.resolve("used"));
        Set<Integer> histories = contents.histories();
        int newest = contents.timelines().stream().mapToInt(Integer::intValue).max().orElse(1);
        for (int tli : histories) {
            String name = WalFileName.historyName(tli);
            archive.fetch(name, dir.resolve("history").resolve(name));
        }
        // recovery probes for newer timelines, asks for its parent's history when it promotes,
        // and for the segment after the last one
        for (int tli = 1; tli <= newest + 16; tli++) {
            if (!histories.contains(tli)) {
                Files.createFile(dir.resolve("missing").resolve(WalFileName.historyName(tli)));
            }
        }
        WalSegment after = last.next();
        if (contents.partials().contains(after.name(size) + ".partial")) {
            segments.add(after.name(size)); // read ahead from its .partial too: a JVM per ask is seconds
        }
        for (int tli = 1; tli <= newest; tli++) {
            String name = after.onTimeline(tli).name(size);
            Path marker = dir.resolve("missing").resolve(name);
            // a synchronous wal stream's .partial is served in its place by wal fetch
            if (!contents.segments().contains(after.onTimeline(tli)) && !contents.partials().contains(name + ".partial")
                    && !Files.exists(marker)) {
                Files.createFile(marker);
            }
        }
        WalSpool spool = new WalSpool(archive, dir, segments, depth, parallelism, account,
                BOOT_ID == null || sameFileSystem(dir, pgWal), size);
        spool.feeder.start();
        return spool;
    }

    /** The archive's WAL segment size. */
    long segmentSize() {
        return segmentSize;
    }

    /**
     * The restore_command: the spool first, the real fetch otherwise. PostgreSQL substitutes
     * {@code %f} and {@code %p} everywhere in it; the spool path holds no quote (a run directory
     * pgnest created).
     */
    String restoreCommand(String fallback) {
        return restoreCommand(dir, BOOT_ID, fallback);
    }

    /** The restore_command of a spool in {@code dir} written during boot {@code boot} (null: none known). */
    static String restoreCommand(Path dir, String boot, String fallback) {
        String d = dir.toAbsolutePath().toString();
        // Where the spool's copies are copied into pg_wal they are not flushed (PostgreSQL flushes
        // what it replays): after a crash of the machine they may be torn, and a torn segment
        // would end recovery early. The boot id changes with every boot, so after one the spool
        // is passed over.
        String guard = boot == null ? "" : "read b < /proc/sys/kernel/random/boot_id; if [ \"$b\" != '" + boot
                + "' ]; then " + fallback + "; el";
        // A hard link makes the spooled copy PostgreSQL's own, with no copy and, when the spool
        // flushed it, nothing left for PostgreSQL's flush to write. PostgreSQL never writes into a
        // restored segment during recovery (it copies the last one to start a new timeline, and
        // recycled files are written only after promotion, when restore_command is no longer run).
        // A consumed segment stays in used/ for a while: at the end of recovery PostgreSQL reads
        // the last one again to start the new timeline. A copy that fails (a full disk) goes to
        // the real fetch, never to exit 1: PostgreSQL reads any exit below 126 as "not archived"
        // and would end the recovery early; the real fetch fails with 126, which stops it.
        return guard + "if [ -f '" + d + "/%f' ]; then if ln -f '" + d + "/%f' '%p' 2>/dev/null || cp '" + d + "/%f' '%p';"
                + " then mv -f '" + d + "/%f' '" + d + "/used/%f' || true; else " + fallback + "; fi;"
                + " elif [ -f '" + d + "/used/%f' ]; then cp '" + d + "/used/%f' '%p' || " + fallback + ";"
                + " elif [ -f '" + d + "/history/%f' ]; then cp '" + d + "/history/%f' '%p' || " + fallback + ";"
                + " elif [ -f '" + d + "/missing/%f' ]; then exit 1;"
                + " else " + fallback + "; fi";
    }

    /** Whether a hard link from {@code a} to {@code b} can work: one file system, one mount. */
    static boolean sameFileSystem(Path a, Path b) {
        try {
            return Files.getFileStore(a).equals(Files.getFileStore(b));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** This boot's id (Linux), or null where there is none: then the spool is flushed as it is written. */
    static String bootId() {
        try {
            String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            return id.matches("[0-9a-f-]{36}") ? id : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Keeps up to {@code depth} segments ahead: a spooled file PostgreSQL moved away was consumed. */
    private void feed() {
        int next = 0;
        List<Future<?>> inFlight = new ArrayList<>();
        try {
            while (!closed && next < segments.size()) {
                inFlight.removeIf(Future::isDone);
                int ahead = inFlight.size() + spooled();
                while (ahead < depth && next < segments.size()) {
                    String name = segments.get(next++);
                    inFlight.add(pool.submit(() -> fetch(name)));
                    ahead++;
                }
                pruneUsed();
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the two newest consumed segments (re-read at a timeline switch), deletes the rest. */
    private void pruneUsed() {
        try (var files = Files.list(dir.resolve("used"))) {
            List<Path> used = new ArrayList<>(files.sorted().toList());
            for (int i = 0; i < used.size() - 2; i++) {
                Files.deleteIfExists(used.get(i));
            }
        } catch (IOException e) {
            // pruning is housekeeping
        }
    }

    private int spooled() {
        try (var files = Files.list(dir)) {
            return (int) files.filter(p -> p.getFileName().toString().length() == 24).count();
        } catch (IOException e) {
            return depth;
        }
    }

    private void fetch(String name) {
        if (closed) {
            return;
        }
        Path incoming = dir.resolve(".incoming").resolve(name);
        try {
            if (durable) {
                archive.fetchForRecovery(name, incoming);
            } else {
                archive.fetchForReadAhead(name, incoming);
            }
            account.takeOwnership(incoming);
            Files.move(incoming, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (WalNotFoundException e) {
            // recovery will ask, and the fallback will say so
        } catch (RuntimeException | IOException e) {
            LOG.debug("read-ahead of {} failed ({}); recovery fetches it itself", name, e.getMessage());
            try {
                Files.deleteIfExists(incoming);
            } catch (IOException ignored) {
                // the spool goes at the end
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        feeder.interrupt();
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        DeltaSync.deleteTree(dir, false);
    }
}
