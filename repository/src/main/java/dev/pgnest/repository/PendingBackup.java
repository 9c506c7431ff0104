package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageOutput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup being written: the write side of the repository format, shared by logical and
 * physical backups.
 *
 * <pre>{@code
 * try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
 *     try (BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.ZSTD, 3)) {
 *         dump.transferTo(out);
 *         out.finish();
 *     }
 *     backup.commit(manifest);   // manifest.json last: now the backup exists
 * }
 * }</pre>
 *
 * While it runs, {@code in-progress.json} names the process and is refreshed by a heartbeat.
 * Closing without {@link #commit} removes everything written (objects, unfinished uploads,
 * the marker last); a killed process leaves them for {@link RepositoryCheck} to remove.
 * {@link #newObject} may be called from several threads.
 */
public final class PendingBackup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PendingBackup.class);

    private final Repository repository;
    private final String target;
    private final String id;
    private final BackupKind kind;
    private final Instant startTime;
    private final ProcessIdentity process = ProcessIdentity.current();
    private final ScheduledExecutorService heartbeat;
    private final Map<String, BackupObject> objects = Collections.synchronizedMap(new HashMap<>());
    private volatile boolean committed;
    private boolean closed;

    PendingBackup(Repository repository, String target, String id, BackupKind kind, Instant startTime) {
        this.repository = repository;
        this.target = target;
        this.id = id;
        this.kind = kind;
        this.startTime = startTime;
        writeMarker();
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgnest-backup-heartbeat-" + id);
            t.setDaemon(true);
            return t;
        });
        long every = repository.heartbeatInterval().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    public String id() {
        return id;
    }

    public String target() {
        return target;
    }

    public BackupKind kind() {
        return kind;
    }

    public Instant startTime() {
        return startTime;
    }

    /** Where the backup's objects go, for messages. */
    public String location() {
        return repository.storage().location(RepositoryLayout.backupPrefix(target, id));
    }

    /** {@link #newObject(String, Compression, int, int)} compressing on the caller's thread. */
    public BackupObjectOutput newObject(String name, Compression compression, int level) {
        return newObject(name, compression, level, 0);
    }

    /**
     * Opens a new object of this backup; {@code name} gets the compression's extension
     * ({@code dump.pgdump} → {@code dump.pgdump.zst}).
     *
     * @param workers zstd compression threads besides the caller's (0: compress inline)
     */
    public BackupObjectOutput newObject(String name, Compression compression, int level, int workers) {
        String stored = name + compression.extension();
        return BackupObjectOutput.open(stored, compression, level, workers, createObject(stored), this::finished);
    }

    /** Starts storing the object {@code stored} (its name with the compression's extension). */
    StorageOutput createObject(String stored) {
        checkOpen();
        if (objects.containsKey(stored) || isReserved(stored)) {
            throw new IllegalArgumentException("object name already used or reserved: " + stored);
        }
        return repository.storage().create(RepositoryLayout.backupObjectKey(target, id, stored));
    }

    /** Records a stored object for the manifest check in {@link #commit}. */
    void finished(BackupObject object) {
        objects.put(object.name(), object);
    }

    /**
     * Counts an object an abandoned attempt of this backup stored ({@link Repository#resume}) as
     * this backup's: the caller has checked that it holds what the manifest will say.
     */
    public void adopt(BackupObject object) {
        checkOpen();
        objects.put(object.name(), object);
    }

    /** Objects finished so far, in name order. */
    public List<BackupObject> objects() {
        synchronized (objects) {
            List<BackupObject> list = new ArrayList<>(objects.values());
            list.sort((a, b) -> a.name().compareTo(b.name()));
            return list;
        }
    }

    /**
     * Writes the manifest, which makes the backup exist, then removes the in-progress marker.
     * The manifest must list exactly the objects this backup stored.
     */
    public BackupManifest commit(BackupManifest manifest) {
        checkOpen();
        if (!manifest.id().equals(id) || !manifest.target().equals(target) || manifest.kind() != kind) {
            throw new IllegalArgumentException("manifest of " + manifest.id() + " does not describe backup " + id);
        }
        List<BackupObject> stored = objects();
        if (!new HashMap<>(toMap(manifest.objects())).equals(toMap(stored))) {
            throw new PgnestException(ErrorKind.INTERNAL, "manifest of backup " + id + " does not match its stored objects",
                    "this is a bug in pgnest; the backup was not committed");
        }
        stopHeartbeat();
        repository.storage().put(RepositoryLayout.manifestKey(target, id), RepositoryJson.write(manifest));
        committed = true;
        try {
            repository.storage().delete(RepositoryLayout.inProgressKey(target, id));
        } catch (RuntimeException e) {
            // harmless: a marker next to a manifest is ignored, and repo check removes it
            LOG.warn("backup {} is complete but its in-progress marker stayed: {}", id, e.getMessage());
        }
        return manifest;
    }

    /** Unless committed, removes everything this backup wrote. Never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopHeartbeat();
        if (committed) {
            return;
        }
        repository.retire(target, id);
        try {
            removeLeftovers(repository.storage(), target, id);
        } catch (RuntimeException e) {
            LOG.warn("could not remove the incomplete backup {} ({}); pgnest repo check removes it later",
                    location(), e.getMessage());
        }
    }

    /**
     * Deletes an incomplete backup's objects and unfinished uploads, then its marker, so that
     * a cleanup interrupted half-way is still recognisable as an incomplete backup.
     */
    static int removeLeftovers(Storage storage, String target, String id) {
        String prefix = RepositoryLayout.backupPrefix(target, id);
        String marker = RepositoryLayout.inProgressKey(target, id);
        int removed = 0;
        for (IncompleteWrite write : storage.listIncomplete(prefix)) {
            storage.abort(write);
            removed++;
        }
        List<String> keys = storage.list(prefix).stream().map(ObjectInfo::key).filter(k -> !k.equals(marker)).toList();
        storage.delete(keys);
        removed += keys.size();
        storage.delete(marker);
        return removed;
    }

    private void beat() {
        try {
            writeMarker();
        } catch (RuntimeException e) {
            LOG.warn("backup {}: heartbeat failed ({}); continuing", id, e.getMessage());
        }
    }

    private void writeMarker() {
        BackupMarker marker = new BackupMarker(id, kind, process, startTime, repository.clock().instant());
        repository.storage().put(RepositoryLayout.inProgressKey(target, id), RepositoryJson.write(marker));
    }

    private void stopHeartbeat() {
        if (heartbeat == null) {
            return;
        }
        heartbeat.shutdownNow();
        try {
            // a beat in progress must not rewrite the marker after it was removed
            heartbeat.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen() {
        if (closed || committed) {
            throw new IllegalStateException("backup " + id + " is already committed or closed");
        }
    }

    private static boolean isReserved(String name) {
        return name.equals(RepositoryLayout.MANIFEST) || name.equals(RepositoryLayout.IN_PROGRESS)
                || name.equals(RepositoryLayout.VERIFICATION) || name.startsWith(RepositoryLayout.VERIFICATIONS);
    }

    private static Map<String, BackupObject> toMap(List<BackupObject> list) {
        Map<String, BackupObject> map = new HashMap<>();
        list.forEach(o -> map.put(o.name(), o));
        return map;
    }
}
