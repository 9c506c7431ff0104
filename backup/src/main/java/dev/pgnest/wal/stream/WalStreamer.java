package dev.pgnest.wal.stream;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.ServerFacts;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives WAL over the streaming replication protocol with a physical slot, as
 * {@code pg_receivewal} does, and hands every complete segment to a {@link SegmentSink}
 * (which stores it in the repository). The slot is advanced only past segments the sink has
 * durably stored, so the server keeps everything not yet stored: a restart of the server, of
 * pgnest, or a dropped connection loses nothing; streaming resumes at the first segment not
 * stored.
 *
 * <p>The segment being received lives in the spool directory as {@code <name>.partial}; it is
 * discarded on reconnect and received again from its start (the slot retains it: a slot
 * always keeps the whole segment its restart point is in).
 *
 * <p>Synchronous mode ({@code wal stream --synchronous}), as {@code pg_receivewal --synchronous}
 * (receivelog.c: fsync, then feedback at once): WAL is reported flushed only once it is fsynced
 * in the spool, so a synchronous standby's commit returns only when its WAL is on this host's
 * disk. The slot then follows the synced position, not the stored one: complete segments not
 * yet stored are stored from the spool (also after a restart of pgnest), and the segment being
 * received is stored as {@code <name>.partial} every {@link Options#partialInterval} while it
 * grows and whenever the stream ends, so that recovery from the repository reaches every
 * acknowledged commit.
 */
public final class WalStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(WalStreamer.class);
    private static final Duration IDLE_PROBE = Duration.ofSeconds(1);
    private static final long SYNC_BYTES = 1 << 20;
    private static final Duration SYNC_EVERY = Duration.ofMillis(20);

    /** Stores one complete segment durably; returns only when it is stored. */
    @FunctionalInterface
    public interface SegmentSink {
        void store(String walFileName, Path file) throws Exception;

        /** Stores the received start of {@code segmentName} as {@code <segmentName>.partial}; synchronous mode only. */
        default void storePartial(String segmentName, Path file) throws Exception {
            throw new UnsupportedOperationException("this sink stores complete segments only");
        }

        /** Into a WAL archive, with the checks of {@code wal push}. */
        static SegmentSink into(WalArchive archive) {
            return new SegmentSink() {
                @Override
                public void store(String walFileName, Path file) {
                    archive.push(file);
                }

                @Override
                public void storePartial(String segmentName, Path file) {
                    archive.pushPartial(file, segmentName);
                }
            };
        }
    }

    /**
     * @param slot           physical replication slot name; created when missing
     * @param spoolDirectory where the segment being received is written
     * @param uploads        segments stored concurrently
     * @param retryDelay     wait before reconnecting after the connection failed
     * @param synchronous    report flush only for WAL fsynced in the spool (see the class comment)
     * @param partialInterval synchronous mode: how often the growing segment is stored as .partial
     */
    public record Options(String slot, Path spoolDirectory, int uploads, Duration retryDelay, boolean synchronous,
                          Duration partialInterval) {
        public Options(String slot, Path spoolDirectory, int uploads, Duration retryDelay) {
            this(slot, spoolDirectory, uploads, retryDelay, false, Duration.ofSeconds(10));
        }

        public Options {
            if (slot == null || !slot.matches("[a-z0-9_]{1,63}")) {
                throw new PgnestException(ErrorKind.CONFIG, "replication slot name '" + slot + "' is not valid",
                        "use lower-case letters, digits and underscores (at most 63)");
            }
            uploads = Math.max(1, uploads);
        }
    }

    /** Progress, readable while streaming. */
    public static final class Progress {
        private final AtomicLong segmentsStored = new AtomicLong();
        private final AtomicLong confirmedLsn = new AtomicLong();
        private final AtomicLong syncedLsn = new AtomicLong();
        private volatile String lastStored;
        private volatile int timeline;

        public long segmentsStored() {
            return segmentsStored.get();
        }

        /** Everything before this location is stored, and the slot has been told so. */
        public Lsn confirmed() {
            return new Lsn(confirmedLsn.get());
        }

        /** Synchronous mode: everything before this location is fsynced in the spool and reported flushed. */
        public Lsn synced() {
            return new Lsn(syncedLsn.get());
        }

        public String lastStored() {
            return lastStored;
        }

        public int timeline() {
            return timeline;
        }
    }

    private final DatabaseConnection db;
    private final Options options;
    private final SegmentSink sink;
    private final Progress progress = new Progress();

    public WalStreamer(DatabaseConnection db, Options options, SegmentSink sink) {
        this.db = db;
        this.options = options;
        this.sink = sink;
    }

    public Progress progress() {
        return progress;
    }

    /**
     * Streams until {@code keepGoing} turns false, reconnecting after failures (server restart,
     * network). Returns normally when asked to stop; throws for problems retrying cannot fix
     * (wrong settings, missing privileges, a sink that refuses a segment).
     */
    public void run(BooleanSupplier keepGoing) {
        ExecutorService uploader = Executors.newFixedThreadPool(options.uploads(), r -> {
            Thread t = new Thread(r, "pgnest-wal-stream-upload");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(options.spoolDirectory());
            while (keepGoing.getAsBoolean()) {
                try {
                    if (options.synchronous()) {
                        storeLeftovers(null);
                    }
                    streamOnce(keepGoing, uploader);
                } catch (RetryableException e) {
                    if (!keepGoing.getAsBoolean()) {
                        break;
                    }
                    LOG.warn("WAL streaming from {} interrupted ({}); reconnecting in {} s", db, e.getMessage(),
                            options.retryDelay().toSeconds());
                    sleep(options.retryDelay());
                }
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot use the spool directory " + options.spoolDirectory() + ": " + e.getMessage(),
                    "set wal.spool-dir to a writable local directory", e);
        } finally {
            uploader.shutdownNow();
        }
    }

    /** One connection's worth of streaming; a {@link RetryableException} means: reconnect. */
    private void streamOnce(BooleanSupplier keepGoing, ExecutorService uploader) {
        long segmentSize;
        Lsn start;
        int timeline;
        try (Connection sql = connect(false)) {
            segmentSize = ServerFacts.walSegmentSize(sql);
            start = ensureSlot(sql, segmentSize);
        } catch (SQLException e) {
            throw classify("prepare slot " + options.slot(), e);
        }
        try (Connection repl = connect(true)) {
            timeline = identifyTimeline(repl);
            progress.timeline = timeline;
            PGReplicationStream stream = repl.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
                    .withSlotName(options.slot())
                    .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    .withAutomaticFlush(false)
                    .start();
            LOG.info("streaming WAL from {} on timeline {} from {} (slot {})", db, timeline, start, options.slot());
            receive(stream, timeline, start, segmentSize, keepGoing, uploader);
        } catch (SQLException e) {
            throw classify("stream WAL", e);
        }
    }

    private void receive(PGReplicationStream stream, int timeline, Lsn start, long segmentSize,
                         BooleanSupplier keepGoing, ExecutorService uploader) throws SQLException {
        Deque<Upload> inFlight = new ArrayDeque<>();
        Lsn expected = start;
        Lsn synced = start;
        SegmentFile current = null;
        long lastMessage = System.nanoTime();
        long lastSync = System.nanoTime();
        Future<?> partialUpload = null;
        long partialStored = 0;
        long partialAt = System.nanoTime();
        try {
            while (keepGoing.getAsBoolean()) {
                confirmFinishedUploads(stream, inFlight, false);
                if (!options.synchronous() && inFlight.isEmpty()) {
                    // everything complete is stored: report what we hold of the current segment
                    // too, or a server shutdown would wait forever for us to catch up (walsender's
                    // WalSndDone). The slot then points into that segment, which the server keeps
                    // whole; a reconnect receives it again from its start.
                    stream.setFlushedLSN(LogSequenceNumber.valueOf(expected.value()));
                    stream.setAppliedLSN(LogSequenceNumber.valueOf(expected.value()));
                }
                ByteBuffer buffer = stream.readPending();
                if (options.synchronous() && synced.compareTo(expected) < 0 && (buffer == null
                        || expected.value() - synced.value() >= SYNC_BYTES || System.nanoTime() - lastSync >= SYNC_EVERY.toNanos())) {
                    // as pg_receivewal --synchronous: drain what is readable, fsync once, report at
                    // once; a stream that never pauses is synced every SYNC_BYTES or SYNC_EVERY
                    if (current != null) {
                        current.sync();
                    }
                    syncDirectory();
                    synced = expected;
                    progress.syncedLsn.set(synced.value());
                    lastSync = System.nanoTime();
                    stream.setFlushedLSN(LogSequenceNumber.valueOf(synced.value()));
                    stream.setAppliedLSN(LogSequenceNumber.valueOf(synced.value()));
                    stream.forceUpdateStatus();
                    lastMessage = System.nanoTime();
                }
                if (options.synchronous() && current != null && current.written > partialStored
                        && (partialUpload == null || partialUpload.isDone())
                        && System.nanoTime() - partialAt >= options.partialInterval().toNanos()) {
                    SegmentFile growing = current;
                    partialStored = growing.written;
                    partialAt = System.nanoTime();
                    partialUpload = uploader.submit(() -> storePartialQuietly(growing));
                }
                if (buffer == null) {
                    if (stream.isClosed()) {
                        throw new RetryableException("the server ended the stream (timeline switch or shutdown)");
                    }
                    // a non-blocking read never sees the server go away; a status write does
                    if (System.nanoTime() - lastMessage > IDLE_PROBE.toNanos()) {
                        stream.forceUpdateStatus();
                        lastMessage = System.nanoTime();
                    }
                    // a synchronous standby's poll interval is every commit's latency
                    sleep(options.synchronous() ? Duration.ofMillis(1) : Duration.ofMillis(5));
                    continue;
                }
                lastMessage = System.nanoTime();
                int length = buffer.remaining();
                Lsn messageStart = new Lsn(stream.getLastReceiveLSN().asLong() - length);
                if (!messageStart.equals(expected)) {
                    throw new RetryableException("WAL arrived at " + messageStart + ", expected " + expected);
                }
                while (buffer.hasRemaining()) {
                    if (current == null) {
                        current = SegmentFile.open(options.spoolDirectory(),
                                WalSegment.containing(timeline, expected, segmentSize), segmentSize);
                        partialStored = 0;
                        directoryChanged = true;
                    }
                    int n = current.write(buffer, expected);
                    expected = expected.plus(n);
                    if (current.isComplete()) {
                        if (partialUpload != null) {
                            awaitQuietly(partialUpload); // it reads the file about to be renamed
                        }
                        Path done = current.finish();
                        directoryChanged = true;
                        WalSegment segment = current.segment;
                        String name = segment.name(segmentSize);
                        Lsn end = segment.endLsn(segmentSize);
                        current = null;
                        while (inFlight.size() >= options.uploads() * 2) {
                            confirmFinishedUploads(stream, inFlight, true);
                        }
                        inFlight.add(new Upload(name, end, done, uploader.submit(() -> {
                            sink.store(name, done);
                            Files.deleteIfExists(done);
                            return null;
                        })));
                    }
                }
            }
            while (!inFlight.isEmpty()) {
                confirmFinishedUploads(stream, inFlight, true);
            }
        } finally {
            // let uploads of this connection settle: the next one may receive the same segments
            for (Upload u : inFlight) {
                try {
                    u.result().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // received and stored again after reconnecting (synchronous: stored from the spool)
                }
            }
            if (partialUpload != null) {
                awaitQuietly(partialUpload);
            }
            if (current != null) {
                if (options.synchronous()) {
                    // the stream ended (a primary gone for good included): the acknowledged WAL of
                    // this segment goes to the repository now, not at the next connection
                    current.close();
                    storeLeftovers(current.partial);
                } else {
                    current.discard();
                }
            }
            try {
                stream.close();
            } catch (SQLException ignored) {
                // the connection closes next anyway
            }
        }
    }

    private void storePartialQuietly(SegmentFile growing) {
        try {
            sink.storePartial(growing.segment.name(growing.segmentSize), growing.partial);
        } catch (Exception e) {
            // stored again when the stream ends; until then the spool holds it durably
            LOG.debug("cannot store the received part of {} yet: {}", growing.segment.name(growing.segmentSize), e.getMessage());
        }
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException ignored) {
            // storePartialQuietly reports nothing
        }
    }

    /**
     * Synchronous mode: what the spool holds from an earlier connection or run is acknowledged
     * WAL the slot may no longer keep; store it before streaming on. Complete segments first,
     * then a partial one (removed once stored: the stream receives it again).
     *
     * @param only the one file to store, or null for every leftover
     */
    private void storeLeftovers(Path only) {
        java.util.List<Path> files;
        try (var list = Files.list(options.spoolDirectory())) {
            files = list.filter(p -> only == null || p.equals(only)).sorted().toList();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot list the spool directory " + options.spoolDirectory() + ": "
                    + e.getMessage(), "set wal.spool-dir to a writable local directory", e);
        }
        for (boolean partials : new boolean[] {false, true}) {
            for (Path p : files) {
                String file = p.getFileName().toString();
                String segment = partials ? file.replaceFirst("\\.partial$", "") : file;
                if (partials == file.equals(segment) || !dev.pgnest.wal.WalFileName.isSegment(segment)) {
                    continue;
                }
                try {
                    if (partials) {
                        sink.storePartial(segment, p);
                    } else {
                        sink.store(segment, p);
                    }
                    Files.deleteIfExists(p);
                    LOG.info(only == null ? "stored {} left in the spool by an earlier connection"
                            : "stored {}: what the ended stream delivered of that segment", file);
                } catch (PgnestException e) {
                    if (e.kind() == ErrorKind.INTEGRITY) {
                        throw e;
                    }
                    throw new RetryableException("cannot store " + file + " from the spool: " + e.getMessage());
                } catch (Exception e) {
                    throw new RetryableException("cannot store " + file + " from the spool: " + e.getMessage());
                }
            }
        }
    }

    private boolean directoryChanged;

    /** A file created or renamed in the spool is durable only once its directory is synced. */
    private void syncDirectory() {
        if (!directoryChanged) {
            return;
        }
        try (FileChannel dir = FileChannel.open(options.spoolDirectory(), StandardOpenOption.READ)) {
            dir.force(true);
            directoryChanged = false;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot sync the spool directory " + options.spoolDirectory() + ": "
                    + e.getMessage(), "set wal.spool-dir to a local file system that supports fsync", e);
        }
    }

    private record Upload(String name, Lsn end, Path file, Future<Void> result) {
    }

    /**
     * Confirms to the server, in order, the segments stored so far; the slot then lets the server
     * recycle them. A segment the sink refused stops streaming: retrying would refuse it again.
     */
    private void confirmFinishedUploads(PGReplicationStream stream, Deque<Upload> inFlight, boolean waitForOne)
            throws SQLException {
        Lsn confirmed = null;
        while (!inFlight.isEmpty() && (inFlight.peek().result().isDone() || waitForOne)) {
            Upload u = inFlight.peek();
            try {
                u.result().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while storing " + u.name(), "");
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof PgnestException pe && pe.kind() == ErrorKind.INTEGRITY) {
                    throw pe; // the archive holds other content under this name: retrying cannot help
                }
                // storage trouble: the slot still holds the segment, reconnect and store it again
                throw new RetryableException("cannot store streamed segment " + u.name() + ": " + cause.getMessage());
            }
            inFlight.poll();
            confirmed = u.end();
            progress.segmentsStored.incrementAndGet();
            progress.lastStored = u.name();
            waitForOne = false;
        }
        if (confirmed != null && options.synchronous()) {
            progress.confirmedLsn.set(confirmed.value()); // the server was told at fsync, earlier
        } else if (confirmed != null) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(confirmed.value());
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            stream.forceUpdateStatus();
            progress.confirmedLsn.set(confirmed.value());
        }
    }

    /**
     * Creates the slot when missing (reserving WAL at once) and returns where to start: the
     * beginning of the segment holding the slot's restart point. WAL is removed by whole
     * segments, so that segment is still on the server.
     */
    private Lsn ensureSlot(Connection sql, long segmentSize) throws SQLException {
        String restart = null;
        boolean exists = false;
        try (PreparedStatement ps = sql.prepareStatement(
                "SELECT slot_type, restart_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, options.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    exists = true;
                    if (!"physical".equals(rs.getString(1))) {
                        throw new PgnestException(ErrorKind.CONFIG, "replication slot " + options.slot() + " on " + db + " is a "
                                + rs.getString(1) + " slot", "choose another wal.stream-slot name, or drop that slot");
                    }
                    restart = rs.getString(2);
                }
            }
        }
        if (!exists) {
            try (PreparedStatement ps = sql.prepareStatement(
                    "SELECT lsn::text FROM pg_create_physical_replication_slot(?, true)")) {
                ps.setString(1, options.slot());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    restart = rs.getString(1);
                }
            }
            LOG.info("created physical replication slot {} on {} at {}", options.slot(), db, restart);
        }
        if (restart == null) {
            throw new PgnestException(ErrorKind.DATABASE, "replication slot " + options.slot() + " on " + db + " holds no WAL",
                    "drop it (SELECT pg_drop_replication_slot('" + options.slot() + "')) and let pgnest create it again");
        }
        Lsn lsn = Lsn.parse(restart);
        return new Lsn(lsn.value() - lsn.segmentOffset(segmentSize));
    }


    private static int identifyTimeline(Connection repl) throws SQLException {
        try (Statement s = repl.createStatement(); ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return rs.getInt("timeline");
        }
    }

    /**
     * The synchronous receiver goes by its slot's name, the one synchronous_standby_names lists;
     * the asynchronous one by a name no such list matches by accident, since it reports WAL as
     * flushed before it is synced.
     */
    static String applicationName(Options options) {
        return options.synchronous() ? options.slot() : "pgnest wal stream"; // ArchiveSetupCheck looks for both
    }

    private Connection connect(boolean replication) throws SQLException {
        return replication
                ? Databases.openReplication(db, applicationName(options), 10)
                : Databases.open(db, "pgnest wal stream", Map.of("connectTimeout", "10"));
    }

    /** Connection trouble is retried; authorization and configuration problems are not. */
    private RuntimeException classify(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28") || state.equals("42501")) {
            return new PgnestException(ErrorKind.DATABASE, "cannot " + what + " on " + db + ": " + e.getMessage(),
                    "the user needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) and a pg_hba.conf "
                            + "line for the replication pseudo-database", e);
        }
        if (state.equals("53300") && e.getMessage() != null && e.getMessage().contains("wal_senders")) {
            return new PgnestException(ErrorKind.DATABASE, "cannot " + what + " on " + db + ": " + e.getMessage(),
                    "raise max_wal_senders on the server", e);
        }
        return new RetryableException(what + ": " + e.getMessage());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "WAL streaming interrupted", "");
        }
    }

    static final class RetryableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RetryableException(String message) {
            super(message);
        }
    }

    /** The segment being received: {@code <name>.partial}, written at WAL offsets, synced when complete. */
    private static final class SegmentFile {
        final WalSegment segment;
        final long segmentSize;
        final Path partial;
        final Path complete;
        final FileChannel channel;
        long written;

        private SegmentFile(WalSegment segment, long segmentSize, Path partial, Path complete, FileChannel channel) {
            this.segment = segment;
            this.segmentSize = segmentSize;
            this.partial = partial;
            this.complete = complete;
            this.channel = channel;
        }

        static SegmentFile open(Path dir, WalSegment segment, long segmentSize) {
            String name = segment.name(segmentSize);
            Path partial = dir.resolve(name + ".partial");
            try {
                FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                return new SegmentFile(segment, segmentSize, partial, dir.resolve(name), ch);
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot write " + partial + ": " + e.getMessage(),
                        "set wal.spool-dir to a writable local directory with room for a few segments", e);
            }
        }

        /** Writes as much of {@code buffer} as belongs to this segment; returns the bytes written. */
        int write(ByteBuffer buffer, Lsn at) {
            long offset = at.segmentOffset(segmentSize);
            if (offset != written) {
                throw new RetryableException("segment " + segment.name(segmentSize) + " continues at offset " + offset
                        + " after " + written + " bytes");
            }
            int n = (int) Math.min(buffer.remaining(), segmentSize - offset);
            ByteBuffer slice = buffer.slice();
            slice.limit(n);
            try {
                while (slice.hasRemaining()) {
                    channel.write(slice, offset + (n - slice.remaining()));
                }
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot write " + partial + ": " + e.getMessage(),
                        "check free space in wal.spool-dir", e);
            }
            buffer.position(buffer.position() + n);
            written += n;
            return n;
        }

        void sync() {
            try {
                channel.force(false);
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot sync " + partial + ": " + e.getMessage(),
                        "check the disk of wal.spool-dir", e);
            }
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the bytes written are in the file either way
            }
        }

        boolean isComplete() {
            return written == segmentSize;
        }

        Path finish() {
            try {
                channel.force(true);
                channel.close();
                Files.move(partial, complete, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return complete;
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot finish " + complete + ": " + e.getMessage(),
                        "check free space in wal.spool-dir", e);
            }
        }

        void discard() {
            try {
                channel.close();
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // received again from its start on reconnect
            }
        }
    }
}
