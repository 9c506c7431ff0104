package dev.pgnest.wal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target's WAL archive in the repository ({@code <target>/wal/<timeline>/<file>[.zst]}): what
 * {@code archive_command} pushes into and {@code restore_command} fetches from.
 *
 * <p>Push is idempotent and never overwrites: a file already archived with the same content is
 * acknowledged without a second upload (the archiver repeats a push whose acknowledgement it
 * lost); one archived with other content is refused, because overwriting would destroy WAL a
 * backup may need. Segments are checked against their own page header and against the
 * archive's cluster before anything is stored.
 *
 * <p>Thread-safe: the service pushes and the prefetcher fetches from several threads.
 */
public final class WalArchive {
    private static final Logger LOG = LoggerFactory.getLogger(WalArchive.class);
    static final String INFO_NAME = "archive.json";
    private static final int COMPARE_BUFFER = 1 << 16;
    /** Files up to this size are compressed in one piece (see {@link #pushWhole}). */
    static final long WHOLE_LIMIT = 16L << 20;
    /** Per pushing thread: the raw segment and its compressed form, reused from push to push. */
    private static final ThreadLocal<byte[][]> WHOLE_BUFFERS = ThreadLocal.withInitial(() -> new byte[2][]);

    private final Storage storage;
    private final String target;
    private final Compression compression;
    private final int level;
    private volatile ArchiveInfo info;

    /** Whether a push stored the file or found it archived already. */
    public enum PushOutcome {
        STORED, ALREADY_ARCHIVED
    }

    /** The result of a push: the outcome, the object it lives in, and bytes stored (0 when it was there). */
    public record PushResult(String walFileName, PushOutcome outcome, String key, long rawBytes, long storedBytes) {
    }

    public WalArchive(Storage storage, String target, Compression compression, int level) {
        this.storage = storage;
        this.target = RepositoryLayout.checkTarget(target);
        this.compression = compression;
        this.level = compression.checkLevel(level);
    }

    /**
     * An archive to list, fetch from and expire, not to push into: every stored compression is
     * read whatever the repository's setting, so the setting does not matter here.
     */
    public static WalArchive reader(Storage storage, String target) {
        return new WalArchive(storage, target, Compression.ZSTD, 3);
    }

    public String target() {
        return target;
    }

    public Storage storage() {
        return storage;
    }

    // ------------------------------------------------------------------------------ push

    /**
     * Archives {@code file} (a path PostgreSQL gives as {@code %p}) under its own name; returns
     * once the object is durably stored.
     *
     * @throws PgnestException INTEGRITY when the name is archived with other content, or the
     *                         segment belongs to another cluster or is not the segment its name says
     */
    public PushResult push(Path file) {
        String name = file.getFileName().toString();
        WalFileName kind = WalFileName.classify(name).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                "'" + file + "' is not a WAL file PostgreSQL archives",
                "use archive_command = 'pgnest wal push %p' so PostgreSQL passes the file's path"));
        if (kind == WalFileName.SEGMENT || kind == WalFileName.PARTIAL) {
            checkSegment(file, name, kind);
        }
        String key = RepositoryLayout.walKey(target, name, compression);
        // a HEAD of the one key this push writes: cheaper than listing every compression's
        // variant of the name, which would only matter for a push repeated across a change of
        // the repository's compression (and the cluster check above still guards that)
        if (storage.stat(key).isPresent()) {
            return confirmSame(file, name, key);
        }
        return upload(file, name, key);
    }

    /**
     * Archives the received part of a segment that {@code wal stream --synchronous} holds as
     * {@code <segment>.partial}, replacing an archived partial that holds less of the same
     * WAL. An archived partial that holds more is kept (WAL only grows; a receiver that
     * restarted may hold less for a while); one that disagrees on a common byte is refused.
     */
    public PushResult pushPartial(Path file, String segmentName) {
        String name = segmentName + ".partial";
        checkSegment(file, name, WalFileName.PARTIAL);
        String key = RepositoryLayout.walKey(target, name, compression);
        if (storage.stat(key).isPresent()) {
            // compared as streams: a segment may be up to 1 GB
            long local;
            long archived = 0;
            long mismatch = -1;
            try (InputStream a = new java.io.BufferedInputStream(Compression.ofName(key).decompress(storage.get(key)), 1 << 16);
                 InputStream l = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                local = Files.size(file);
                int x;
                while ((x = a.read()) >= 0) {
                    if (archived < local && mismatch < 0 && l.read() != x) {
                        mismatch = archived;
                    }
                    archived++;
                }
            } catch (IOException e) {
                throw StorageException.io("compare " + name + " with", storage.location(key), e);
            }
            if (mismatch >= 0) {
                throw new PgnestException(ErrorKind.INTEGRITY, "WAL file " + name + " is already archived at "
                        + storage.location(key) + " with different content (first difference at byte " + mismatch
                        + "); refusing to overwrite it", "two clusters archive into target " + target
                        + "; give each cluster its own target. The archived file was left unchanged");
            }
            if (archived >= local) {
                return new PushResult(name, PushOutcome.ALREADY_ARCHIVED, key, 0, 0);
            }
        }
        return upload(file, name, key);
    }

    private PushResult upload(Path file, String name, String key) {
        if (compression == Compression.ZSTD) {
            Optional<PushResult> whole = pushWhole(file, name, key);
            if (whole.isPresent()) {
                return whole.get();
            }
        }
        long raw;
        long stored;
        try (StorageOutput out = storage.create(key); InputStream in = Files.newInputStream(file)) {
            CountingOutputStream counted = new CountingOutputStream(out);
            try (OutputStream z = compression.compress(counted, level, 0)) {
                raw = in.transferTo(z);
            }
            stored = counted.count;
            out.commit();
        } catch (NoSuchFileException e) {
            throw walFileMissing(file);
        } catch (IOException e) {
            throw StorageException.io("archive " + name + " to", storage.location(key), e);
        }
        LOG.debug("archived {} ({} -> {} bytes)", name, raw, stored);
        return new PushResult(name, PushOutcome.STORED, key, raw, stored);
    }

    /**
     * A segment of up to {@link #WHOLE_LIMIT} bytes (the default 16 MB) is read and compressed in
     * one piece into buffers each pushing thread keeps, then stored in one request: no
     * streaming compressor re-buffering its window, no fresh 8 MB arrays for the collector per
     * segment, and no multipart upload for a segment that hardly compresses. Memory stays at two
     * segments per pushing thread. Larger files (a cluster built with a bigger --wal-segsize)
     * stream as before; empty when this path does not apply.
     */
    private Optional<PushResult> pushWhole(Path file, String name, String key) {
        byte[][] buffers = WHOLE_BUFFERS.get();
        int raw;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > WHOLE_LIMIT) {
                return Optional.empty();
            }
            if (buffers[0] == null || buffers[0].length < size) {
                buffers[0] = new byte[(int) size];
                buffers[1] = new byte[(int) Zstd.compressBound(size)];
            }
            java.nio.ByteBuffer into = java.nio.ByteBuffer.wrap(buffers[0], 0, (int) size);
            while (into.hasRemaining() && ch.read(into) >= 0) {
                // a file PostgreSQL no longer writes: read until its end
            }
            raw = into.position();
        } catch (NoSuchFileException e) {
            throw walFileMissing(file);
        } catch (IOException e) {
            throw walFileUnreadable(file, e);
        }
        int stored;
        try (ZstdCompressCtx zstd = new ZstdCompressCtx()) {
            // the same frame the streaming path writes: content checksum on, so fetch verifies it
            zstd.setLevel(level).setChecksum(true);
            stored = zstd.compressByteArray(buffers[1], 0, buffers[1].length, buffers[0], 0, raw);
        }
        storage.put(key, buffers[1], 0, stored);
        LOG.debug("archived {} ({} -> {} bytes)", name, raw, stored);
        return Optional.of(new PushResult(name, PushOutcome.STORED, key, raw, stored));
    }

    /** The segment must be what its name says, from this archive's cluster. */
    private void checkSegment(Path file, String name, WalFileName kind) {
        String segmentName = name.substring(0, 24);
        byte[] start = new byte[WalPageHeader.SIZE];
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            if (in.readNBytes(start, 0, start.length) < start.length) {
                throw notASegment(file, "it is only " + size + " bytes");
            }
        } catch (NoSuchFileException e) {
            throw walFileMissing(file);
        } catch (IOException e) {
            throw walFileUnreadable(file, e);
        }
        WalPageHeader header = WalPageHeader.read(start).orElseThrow(() -> notASegment(file, "it has no WAL page header"));
        WalSegment segment = WalSegment.parse(segmentName, header.segmentSize());
        header.mismatch(segment).ifPresent(why -> {
            throw notASegment(file, why);
        });
        if (kind == WalFileName.SEGMENT && size != header.segmentSize()) {
            throw notASegment(file, "it is " + size + " bytes, not " + header.segmentSize());
        }
        ArchiveInfo archive = info().orElse(null);
        String sysid = Long.toUnsignedString(header.systemIdentifier());
        if (archive == null) {
            archive = new ArchiveInfo(sysid, header.segmentSize(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
            storage.put(infoKey(), RepositoryJson.write(archive));
            info = archive;
            LOG.info("WAL archive of target {} created for cluster {} ({} MB segments)", target, sysid,
                    header.segmentSize() >> 20);
        }
        if (!archive.systemIdentifier().equals(sysid)) {
            throw new PgnestException(ErrorKind.INTEGRITY, "WAL file " + name + " comes from cluster " + sysid
                    + " but the archive of target " + target + " belongs to cluster " + archive.systemIdentifier(),
                    "a new cluster (initdb, restore into a new cluster) needs its own target; configure another target "
                            + "name for it, or remove the old archive after keeping what you need");
        }
        if (archive.segmentSize() != header.segmentSize()) {
            throw new PgnestException(ErrorKind.INTEGRITY, "WAL file " + name + " has " + header.segmentSize()
                    + "-byte segments but the archive of target " + target + " holds " + archive.segmentSize() + "-byte ones",
                    "use another target for this cluster");
        }
    }

    private static PgnestException walFileMissing(Path file) {
        return new PgnestException(ErrorKind.USAGE, "WAL file " + file.toAbsolutePath() + " does not exist",
                "archive_command runs in the data directory; pass %p as PostgreSQL gives it");
    }

    private static PgnestException walFileUnreadable(Path file, IOException e) {
        return new PgnestException(ErrorKind.TOOL, "cannot read " + file + ": " + e.getMessage(),
                "pgnest must run as an OS user that can read the server's pg_wal (normally postgres)", e);
    }

    private static PgnestException notASegment(Path file, String why) {
        return new PgnestException(ErrorKind.INTEGRITY, "refusing to archive " + file + ": " + why,
                "pass the file PostgreSQL names in %p; a damaged pg_wal needs attention before archiving continues");
    }

    /** The object already archived under this WAL name, with whatever compression it was stored. */
    private Optional<String> findExisting(String name) {
        String prefix = RepositoryLayout.walTimelinePrefix(target, WalFileName.timelineOf(name)) + name;
        for (ObjectInfo o : storage.list(prefix)) {
            String rest = o.key().substring(prefix.length());
            if (rest.isEmpty() || Compression.ofName(rest) != Compression.NONE && rest.equals(Compression.ofName(rest).extension())) {
                return Optional.of(o.key());
            }
        }
        return Optional.empty();
    }

    private PushResult confirmSame(Path file, String name, String key) {
        Compression stored = Compression.ofName(key);
        try (InputStream local = new BufferedInputStream(Files.newInputStream(file), COMPARE_BUFFER);
             InputStream archived = stored.decompress(storage.get(key))) {
            Optional<String> difference = firstDifference(local, archived);
            if (difference.isPresent()) {
                throw new PgnestException(ErrorKind.INTEGRITY, "WAL file " + name + " is already archived at "
                        + storage.location(key) + " with different content (" + difference.get() + "); refusing to overwrite it",
                        "two clusters (or a restored copy) archive into target " + target
                                + "; give each cluster its own target. The archived file was left unchanged");
            }
        } catch (IOException e) {
            throw StorageException.io("compare " + name + " with", storage.location(key), e);
        }
        LOG.info("{} is already archived with identical content; not uploading it again", name);
        return new PushResult(name, PushOutcome.ALREADY_ARCHIVED, key, 0, 0);
    }

    private static Optional<String> firstDifference(InputStream a, InputStream b) throws IOException {
        byte[] x = new byte[COMPARE_BUFFER];
        byte[] y = new byte[COMPARE_BUFFER];
        long offset = 0;
        while (true) {
            int n = a.readNBytes(x, 0, x.length);
            int m = b.readNBytes(y, 0, y.length);
            int common = Math.min(n, m);
            int mismatch = java.util.Arrays.mismatch(x, 0, common, y, 0, common);
            if (mismatch >= 0) {
                return Optional.of("first difference at byte " + (offset + mismatch));
            }
            if (n != m) {
                return Optional.of("local file is " + (n < m ? "shorter" : "longer") + " than the archived one");
            }
            if (n == 0) {
                return Optional.empty();
            }
            offset += n;
        }
    }

    // ------------------------------------------------------------------------------ fetch

    /** Whether {@code walFileName} is archived (with any compression). */
    public boolean contains(String walFileName) {
        return findExisting(walFileName).isPresent();
    }

    /**
     * Restores an archived file to {@code destination} (a path PostgreSQL gives as {@code %p}):
     * downloads, decompresses (zstd checks its frame checksums), checks a segment's size and
     * page header, and moves it into place only when all is well.
     *
     * @throws WalNotFoundException when the archive does not have it (the normal end of recovery)
     */
    public long fetch(String walFileName, Path destination) {
        return fetch(walFileName, destination, true);
    }

    private long fetch(String walFileName, Path destination, boolean durable) {
        WalFileName kind = WalFileName.classify(walFileName).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                "'" + walFileName + "' is not a WAL file name",
                "use restore_command = 'pgnest wal fetch %f %p' so PostgreSQL passes the file's name and path"));
        String key = RepositoryLayout.walKey(target, walFileName, compression);
        InputStream in;
        try {
            in = storage.get(key);
        } catch (ObjectNotFoundException e) {
            Optional<String> other = findExisting(walFileName);
            if (other.isEmpty()) {
                throw new WalNotFoundException(walFileName, storage.location(RepositoryLayout.walTimelinePrefix(target,
                        WalFileName.timelineOf(walFileName))));
            }
            key = other.get();
            in = storage.get(key);
        }
        Path tmp = destination.resolveSibling(destination.getFileName() + ".pgnest-tmp");
        long size;
        try (InputStream data = Compression.ofName(key).decompress(in);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            size = data.transferTo(java.nio.channels.Channels.newOutputStream(ch));
            if (durable) {
                ch.force(false);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PgnestException(ErrorKind.INTEGRITY, "cannot restore " + walFileName + " from " + storage.location(key)
                    + ": " + StorageException.describe(e),
                    "the archived copy may be damaged; check it with pgnest wal check, or restore from another backup", e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        if (kind == WalFileName.SEGMENT) {
            verifySegment(walFileName, tmp, size, storage.location(key));
        }
        try {
            try {
                Files.move(tmp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, destination, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PgnestException(ErrorKind.TOOL, "cannot write " + destination + ": " + e.getMessage(),
                    "restore_command runs in the data directory; check its permissions and free space", e);
        }
        return size;
    }

    /**
     * {@link #fetch} for {@code restore_command}: a segment the archive lacks is served from its
     * {@code <segment>.partial} (what {@code wal stream --synchronous} stored of the segment it
     * was receiving when the stream ended), padded with zeros to a whole segment as PostgreSQL
     * requires; recovery replays it up to the zeros and ends there. Prefetch never uses this:
     * a partial fetched ahead would stand in for the whole segment arriving later.
     */
    public long fetchForRecovery(String walFileName, Path destination) {
        return fetchForRecovery(walFileName, destination, true);
    }

    /**
     * {@link #fetchForRecovery} into a read-ahead copy that PostgreSQL never uses in place: not
     * flushed to disk (restore_command copies it into pg_wal, and PostgreSQL flushes its copy),
     * so the read-ahead does not write every segment to disk a second time. A read-ahead whose
     * copies are linked into pg_wal uses {@link #fetchForRecovery}: flushed here, ahead of the replay.
     */
    public long fetchForReadAhead(String walFileName, Path destination) {
        return fetchForRecovery(walFileName, destination, false);
    }

    private long fetchForRecovery(String walFileName, Path destination, boolean durable) {
        try {
            return fetch(walFileName, destination, durable);
        } catch (WalNotFoundException e) {
            if (!WalFileName.isSegment(walFileName) || findExisting(walFileName + ".partial").isEmpty()) {
                throw e;
            }
        }
        Path tmp = destination.resolveSibling(destination.getFileName() + ".pgnest-partial");
        try {
            long received = fetch(walFileName + ".partial", tmp, durable);
            long segmentSize = segmentSize();
            if (received < segmentSize) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.allocate(1), segmentSize - 1); // the rest reads as zeros
                    ch.force(false);
                }
            }
            verifySegment(walFileName, tmp, Files.size(tmp), storage.location(RepositoryLayout.walKey(target,
                    walFileName + ".partial", compression)));
            Files.move(tmp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("restored {} from {}.partial ({} bytes of WAL received by a synchronous wal stream); recovery ends in it",
                    walFileName, walFileName, received);
            return segmentSize;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PgnestException(ErrorKind.TOOL, "cannot write " + destination + ": " + e.getMessage(),
                    "restore_command runs in the data directory; check its permissions and free space", e);
        }
    }

    private static void verifySegment(String name, Path file, long size, String location) {
        byte[] start = new byte[WalPageHeader.SIZE];
        try (InputStream in = Files.newInputStream(file)) {
            in.readNBytes(start, 0, start.length);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot read back " + file + ": " + e.getMessage(), "check the disk", e);
        }
        Optional<WalPageHeader> header = WalPageHeader.read(start);
        String problem = header.isEmpty() ? "it has no WAL page header"
                : size != header.get().segmentSize() ? "it is " + size + " bytes, not " + header.get().segmentSize()
                : header.get().mismatch(WalSegment.parse(name, header.get().segmentSize())).orElse(null);
        if (problem != null) {
            deleteQuietly(file);
            throw new PgnestException(ErrorKind.INTEGRITY, "archived " + name + " at " + location + " is not that segment: " + problem,
                    "the archive is damaged; recovery cannot continue past this segment");
        }
    }

    // ------------------------------------------------------------------------------ contents

    /** The archive's cluster and segment size; empty before the first segment was pushed. */
    public Optional<ArchiveInfo> info() {
        ArchiveInfo known = info;
        if (known != null) {
            return Optional.of(known);
        }
        try {
            known = RepositoryJson.read(storage.getBytes(infoKey()), ArchiveInfo.class, storage.location(infoKey()));
            info = known;
            return Optional.of(known);
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    private String infoKey() {
        return RepositoryLayout.walPrefix(target) + INFO_NAME;
    }

    /**
     * One archived file as listed: its WAL name, kind, object key, stored size and when it was
     * archived (the object's last write).
     */
    public record ArchivedFile(String name, WalFileName kind, String key, long size, Instant archived) {
        /** The segment a segment, backup history or partial file belongs to (history files have none). */
        public Optional<WalSegment> segment(long segmentSize) {
            return kind == WalFileName.HISTORY ? Optional.empty()
                    : Optional.of(WalSegment.parse(name.substring(0, 24), segmentSize));
        }
    }

    /** Every WAL file the archive holds, by key (one listing of {@code <target>/wal/}). */
    public List<ArchivedFile> files() {
        String prefix = RepositoryLayout.walPrefix(target);
        List<ArchivedFile> files = new ArrayList<>();
        for (ObjectInfo o : storage.list(prefix)) {
            String rest = o.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                continue; // archive.json
            }
            String file = rest.substring(slash + 1);
            String name = file.substring(0, file.length() - Compression.ofName(file).extension().length());
            WalFileName.classify(name).ifPresent(kind -> files.add(new ArchivedFile(name, kind, o.key(), o.size(),
                    o.lastModified())));
        }
        return files;
    }

    /**
     * Everything the archive holds, by kind.
     *
     * @param archivedAt when each segment was archived: no WAL in it was written later
     */
    public record Contents(long segmentSize, Set<WalSegment> segments, Set<Integer> histories,
                           List<String> backupHistories, List<String> partials, long storedBytes,
                           Map<WalSegment, Instant> archivedAt) {

        public Map<Integer, List<WalCoverage.Range>> ranges() {
            return WalCoverage.ranges(segments);
        }

        /** Every timeline the archive knows of, from segments or history files. */
        public Set<Integer> timelines() {
            Set<Integer> all = new TreeSet<>(histories);
            segments.forEach(s -> all.add(s.timeline()));
            return all;
        }

        public Optional<WalSegment> last() {
            return segments.stream().max(WalSegment::compareTo);
        }
    }

    /** Lists the archive (one listing of {@code <target>/wal/}). */
    public Contents contents() {
        return contents(files());
    }

    /** The contents of a listing {@link #files()} returned. */
    public Contents contents(List<ArchivedFile> files) {
        long segmentSize = segmentSize();
        Map<WalSegment, Instant> segments = new HashMap<>();
        Set<Integer> histories = new TreeSet<>();
        List<String> backups = new ArrayList<>();
        List<String> partials = new ArrayList<>();
        long bytes = 0;
        for (ArchivedFile f : files) {
            bytes += f.size();
            switch (f.kind()) {
                case SEGMENT -> segments.put(WalSegment.parse(f.name(), segmentSize), f.archived());
                case HISTORY -> histories.add(WalFileName.timelineOf(f.name()));
                case BACKUP_HISTORY -> backups.add(f.name());
                case PARTIAL -> partials.add(f.name());
            }
        }
        return new Contents(segmentSize, Set.copyOf(segments.keySet()), Set.copyOf(histories), List.copyOf(backups),
                List.copyOf(partials), bytes, Map.copyOf(segments));
    }

    /** The archive's segment size: as recorded by its first push, else PostgreSQL's default. */
    public long segmentSize() {
        return info().map(ArchiveInfo::segmentSize).orElse(WalSegment.DEFAULT_SIZE);
    }

    /** The history of {@code timeline} as archived (timeline 1 has none). */
    public TimelineHistory history(int timeline) {
        if (timeline == 1) {
            return TimelineHistory.first();
        }
        String name = WalFileName.historyName(timeline);
        Optional<String> key = findExisting(name);
        if (key.isEmpty()) {
            throw new PgnestException(ErrorKind.REPOSITORY, "the archive of target " + target + " has no " + name,
                    "timeline " + timeline + " began at a promotion; archive the server's pg_wal/" + name
                            + " (pgnest wal push pg_wal/" + name + ")");
        }
        try (InputStream in = Compression.ofName(key.get()).decompress(storage.get(key.get()))) {
            return TimelineHistory.parse(timeline, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw StorageException.io("read", storage.location(key.get()), e);
        }
    }

    /**
     * Segments that replay from {@code from} to segment number {@code toNumber} on
     * {@code timeline} (following its history) needs and the archive lacks.
     */
    public List<WalCoverage.Range> missing(Contents contents, WalSegment from, int timeline, long toNumber) {
        return WalCoverage.missing(contents.segments(), from, toNumber, history(timeline), contents.segmentSize());
    }

    /**
     * The last segment reachable from {@code from} without a gap: how far a backup starting
     * there can be recovered. Same as {@link #reachableFrom(Contents, WalSegment, Lsn)} with the
     * start of {@code from} as the point the backup must have reached.
     */
    public Optional<WalSegment> reachableFrom(Contents contents, WalSegment from) {
        return reachableFrom(contents, from, from.startLsn(contents.segmentSize()));
    }

    /**
     * The last segment reachable from {@code from} without a gap, following the newest timeline
     * whose history leaves {@code from}'s timeline at or after {@code consistentAt} (a backup's
     * stop LSN). A timeline that branched off earlier holds WAL the backup's data never saw:
     * recovery refuses it, so it does not extend the backup's window.
     */
    public Optional<WalSegment> reachableFrom(Contents contents, WalSegment from, Lsn consistentAt) {
        TimelineHistory h = new TimelineHistory(from.timeline(), List.of());
        for (int tli : contents.timelines()) {
            if (tli > h.timeline() && contents.histories().contains(tli)) {
                TimelineHistory candidate = history(tli);
                Optional<Lsn> leaves = candidate.switchPointOff(from.timeline());
                if (leaves.isPresent() && !leaves.get().isBefore(consistentAt)) {
                    h = candidate;
                }
            }
        }
        WalSegment last = null;
        for (long n = from.number(); ; n++) {
            WalSegment needed = new WalSegment(h.timelineOfSegment(n, contents.segmentSize()), n);
            if (!contents.segments().contains(needed)) {
                return Optional.ofNullable(last);
            }
            last = needed;
        }
    }

    /**
     * Deletes archived files, in key order (oldest first on each timeline): an interrupted
     * expiry leaves the oldest of them gone and no hole between the ones that remain.
     */
    public void delete(List<ArchivedFile> files) {
        storage.delete(files.stream().map(ArchivedFile::key).sorted().toList());
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file is overwritten next time
        }
    }

    /** Counts bytes on their way to storage; does not close it (the caller commits). */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
