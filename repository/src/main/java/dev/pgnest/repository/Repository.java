package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pgnest repository on a {@link Storage}: the format check, the catalog of backups, writing
 * new backups, and finding leftovers of dead ones. Every command goes through
 * {@link #open(Storage)}, which refuses a repository it does not understand.
 *
 * <p>Does not own the storage: the caller closes it.
 */
public final class Repository {
    /** How often a running backup refreshes its in-progress marker. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMinutes(1);
    /** How old a marker (or an unfinished upload) must be before it counts as abandoned. */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(15);

    private final Storage storage;
    private final RepositoryFormat format;
    private final Clock clock;
    private final Duration heartbeatInterval;
    private final Duration staleAfter;
    /**
     * Ids of backups whose leftovers this process removed ({@code target/id}): never handed out
     * again, so that a log line or report naming an id always means the same backup, even when
     * a killed backup is cleaned up and retried within the same second.
     */
    private final Set<String> retiredIds;

    private Repository(Storage storage, RepositoryFormat format, Clock clock, Duration heartbeatInterval,
                       Duration staleAfter, Set<String> retiredIds) {
        this.retiredIds = retiredIds;
        this.storage = storage;
        this.format = format;
        this.clock = clock;
        this.heartbeatInterval = heartbeatInterval;
        this.staleAfter = staleAfter;
    }

    /**
     * Opens an initialized repository.
     *
     * @throws PgnestException (REPOSITORY) when it is not initialized or has a format this
     *                         pgnest does not know
     */
    public static Repository open(Storage storage) {
        RepositoryFormat format = readFormat(storage).orElseThrow(() -> new PgnestException(ErrorKind.REPOSITORY,
                "no pgnest repository at " + root(storage) + " (" + RepositoryLayout.FORMAT_KEY + " is missing)",
                "run pgnest repo init to create one, or fix the repository settings"));
        if (format.format() != RepositoryFormat.CURRENT) {
            throw unknownFormat(storage, format);
        }
        return new Repository(storage, format, Clock.systemUTC(), DEFAULT_HEARTBEAT, DEFAULT_STALE_AFTER,
                ConcurrentHashMap.newKeySet());
    }

    /**
     * Creates the repository (writes its format file), or confirms an existing one.
     *
     * @return whether a new repository was created
     * @throws PgnestException when the location holds something else, or another format
     */
    public static boolean init(Storage storage) {
        Optional<RepositoryFormat> existing = readFormat(storage);
        if (existing.isPresent()) {
            if (existing.get().format() != RepositoryFormat.CURRENT) {
                throw unknownFormat(storage, existing.get());
            }
            return false;
        }
        if (!storage.listPrefixes("").isEmpty()) {
            throw new PgnestException(ErrorKind.REPOSITORY,
                    root(storage) + " is not empty and not a pgnest repository",
                    "choose an empty location (another S3 prefix or directory) for the repository");
        }
        RepositoryFormat format = new RepositoryFormat(RepositoryFormat.CURRENT,
                Instant.now().truncatedTo(ChronoUnit.SECONDS), ToolVersion.current());
        storage.put(RepositoryLayout.FORMAT_KEY, RepositoryJson.write(format));
        return true;
    }

    /** The same repository with other timings (tests; the service's configuration). */
    public Repository withTimings(Clock clock, Duration heartbeatInterval, Duration staleAfter) {
        if (heartbeatInterval.multipliedBy(3).compareTo(staleAfter) > 0) {
            throw new IllegalArgumentException("staleAfter must be at least 3 heartbeats");
        }
        return new Repository(storage, format, clock, heartbeatInterval, staleAfter, retiredIds);
    }

    public Storage storage() {
        return storage;
    }

    public RepositoryFormat format() {
        return format;
    }

    public Catalog catalog() {
        return new Catalog(this);
    }

    /** The repository root, for messages: {@code s3://bucket/prefix} or a directory. */
    public String location() {
        return root(storage);
    }

    /**
     * Starts a new backup of {@code target}: picks an id from the current time (the next free
     * second when taken) and writes its in-progress marker.
     */
    public PendingBackup begin(String target, BackupKind kind) {
        return begin(target, kind, clock.instant());
    }

    /** {@link #begin(String, BackupKind)} for a backup that started at {@code startTime}. */
    PendingBackup begin(String target, BackupKind kind, Instant startTime) {
        RepositoryLayout.checkTarget(target);
        Instant start = startTime.truncatedTo(ChronoUnit.SECONDS);
        String id = BackupId.of(start, kind);
        while (retiredIds.contains(target + "/" + id)
                || !storage.list(RepositoryLayout.backupPrefix(target, id)).isEmpty()) {
            start = start.plusSeconds(1);
            id = BackupId.of(start, kind);
        }
        return new PendingBackup(this, target, id, kind, startTime);
    }

    /**
     * Takes over an abandoned backup to finish it under its id: no manifest, and its in-progress
     * marker names a process that is certainly gone, or has had no heartbeat for the stale time.
     * Its stored objects stay until the caller {@link PendingBackup#adopt adopts} or replaces
     * them. Empty when the backup is not abandoned (running, committed, another kind, no marker).
     */
    public Optional<PendingBackup> resume(String target, String id, BackupKind kind) {
        if (storage.stat(RepositoryLayout.manifestKey(target, id)).isPresent()) {
            return Optional.empty();
        }
        String markerKey = RepositoryLayout.inProgressKey(target, id);
        Optional<ObjectInfo> markerInfo = storage.stat(markerKey);
        if (markerInfo.isEmpty()) {
            return Optional.empty();
        }
        BackupMarker marker;
        try {
            marker = RepositoryJson.read(storage.getBytes(markerKey), BackupMarker.class, storage.location(markerKey));
        } catch (PgnestException e) {
            return Optional.empty(); // gone meanwhile, or damaged: not ours to take over
        }
        boolean dead = marker.process() != null && marker.process().isCertainlyDead();
        boolean silent = markerInfo.get().lastModified().isBefore(clock.instant().minus(staleAfter));
        if (marker.kind() != kind || !(dead || silent)) {
            return Optional.empty();
        }
        return Optional.of(new PendingBackup(this, target, id, kind, clock.instant()));
    }

    /** Records that the leftovers of {@code id} were removed, so that the id is not reused. */
    void retire(String target, String id) {
        retiredIds.add(target + "/" + id);
    }

    Clock clock() {
        return clock;
    }

    Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    Duration staleAfter() {
        return staleAfter;
    }

    private static Optional<RepositoryFormat> readFormat(Storage storage) {
        try {
            byte[] json = storage.getBytes(RepositoryLayout.FORMAT_KEY);
            if (json.length >= 4 && new String(json, 0, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("PGNE")) {
                throw new PgnestException(ErrorKind.CONFIG, "the repository at " + root(storage) + " is encrypted",
                        "set PGNEST_ENCRYPTION=aes-256-gcm (encryption.mode) and its key (PGNEST_ENCRYPTION_KEY or encryption.key-file)");
            }
            return Optional.of(RepositoryJson.read(json, RepositoryFormat.class,
                    storage.location(RepositoryLayout.FORMAT_KEY)));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    private static PgnestException unknownFormat(Storage storage, RepositoryFormat format) {
        return new PgnestException(ErrorKind.REPOSITORY,
                "the repository at " + root(storage) + " has format " + format.format()
                        + " (written by " + format.createdBy() + "), this pgnest reads format " + RepositoryFormat.CURRENT,
                format.format() > RepositoryFormat.CURRENT
                        ? "upgrade pgnest to a version that knows format " + format.format()
                        : "use the pgnest version that wrote it, or a new repository location");
    }

    private static String root(Storage storage) {
        String formatFile = storage.location(RepositoryLayout.FORMAT_KEY);
        return formatFile.substring(0, formatFile.length() - RepositoryLayout.FORMAT_KEY.length() - 1);
    }
}
