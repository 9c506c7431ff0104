package dev.pgnest.backup.physical;

import dev.pgnest.repository.BackupId;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full physical backup that can be resumed, as pgBackRest resumes: each large file's object,
 * once stored, gets a small note ({@code resume/<object>.json}: the object's size and SHA-256
 * and the file's). When a full backup was killed or lost the store halfway, the next full
 * backup of the target takes over its id ({@link Repository#resume}); a file whose SHA-256
 * still matches its note is not uploaded again (its stored object is adopted). Bundles of small
 * files are written again: they are cheap. The notes and the objects not adopted are removed
 * before the manifest is written.
 */
final class ResumableBackup {
    private static final Logger LOG = LoggerFactory.getLogger(ResumableBackup.class);
    private static final String NOTES = "resume/";
    /** How many of the newest uncommitted backups are looked at for one to take over. */
    private static final int CANDIDATES = 3;

    /** What an abandoned attempt stored for one large file. */
    record Note(BackupManifest.BackupObject object, PhysicalFiles.FileEntry file) {
    }

    private final Repository repository;
    private final PendingBackup pending;
    private final Map<String, Note> notes;
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reused = new AtomicInteger();
    private final AtomicLong reusedBytes = new AtomicLong();

    private ResumableBackup(Repository repository, PendingBackup pending, Map<String, Note> notes) {
        this.repository = repository;
        this.pending = pending;
        this.notes = notes;
    }

    /** A full backup takes over the newest abandoned full backup of the target, if any; otherwise a new one. */
    static ResumableBackup begin(Repository repository, String target, BackupType type) {
        if (type == BackupType.FULL) {
            for (String id : uncommitted(repository, target)) {
                Optional<PendingBackup> resumed = repository.resume(target, id, BackupKind.PHYSICAL);
                if (resumed.isPresent()) {
                    Map<String, Note> notes = readNotes(repository.storage(), target, id);
                    LOG.info("resuming the abandoned backup {} of {}: {} stored files may be reused", id, target, notes.size());
                    return new ResumableBackup(repository, resumed.get(), notes);
                }
            }
        }
        return new ResumableBackup(repository, repository.begin(target, BackupKind.PHYSICAL), Map.of());
    }

    PendingBackup pending() {
        return pending;
    }

    /** Files taken over from the abandoned attempt, and their bytes. */
    int reused() {
        return reused.get();
    }

    long reusedBytes() {
        return reusedBytes.get();
    }

    /**
     * The entry of a file the abandoned attempt stored, when the file still has the size and
     * SHA-256 it had then (the file is read, the store is not): its object becomes this backup's.
     */
    Optional<PhysicalFiles.FileEntry> reuse(DataDirectory.DataFile f, String objectName) throws IOException {
        Note note = notes.get(f.path());
        if (note == null || note.file().size() != f.size() || !note.object().name().equals(objectName)) {
            return Optional.empty();
        }
        if (!FileCopy.sha256Of(f).equals(note.file().sha256())) {
            return Optional.empty();
        }
        String key = RepositoryLayout.backupObjectKey(pending.target(), pending.id(), note.object().name());
        Optional<ObjectInfo> stored = repository.storage().stat(key);
        if (stored.isEmpty() || stored.get().size() != note.object().size()) {
            return Optional.empty();
        }
        pending.adopt(note.object());
        adopted.add(note.object().name());
        reused.incrementAndGet();
        reusedBytes.addAndGet(f.size());
        return Optional.of(note.file());
    }

    /** Notes what a finished single-file object holds, for a later attempt. */
    void noted(BackupManifest.BackupObject object, PhysicalFiles.FileEntry file) {
        repository.storage().put(noteKey(object.name()), RepositoryJson.write(new Note(object, file)));
    }

    /** Before the manifest: the notes go, and whatever the abandoned attempt stored that was not adopted. */
    void finish() {
        Storage storage = repository.storage();
        String prefix = RepositoryLayout.backupPrefix(pending.target(), pending.id());
        Set<String> kept = new HashSet<>();
        pending.objects().forEach(o -> kept.add(prefix + o.name()));
        kept.add(RepositoryLayout.inProgressKey(pending.target(), pending.id()));
        List<String> leftovers = storage.list(prefix).stream().map(ObjectInfo::key).filter(k -> !kept.contains(k)).toList();
        if (!leftovers.isEmpty()) {
            storage.delete(leftovers);
        }
        storage.listIncomplete(prefix).forEach(storage::abort);
        if (reused.get() > 0) {
            LOG.info("backup {}: {} files ({} MB) reused from the abandoned attempt", pending.id(), reused.get(),
                    reusedBytes.get() >> 20);
        }
    }

    private String noteKey(String objectName) {
        return RepositoryLayout.backupObjectKey(pending.target(), pending.id(), NOTES + objectName + ".json");
    }

    /** The newest backup ids of the target without a manifest, newest first. */
    private static List<String> uncommitted(Repository repository, String target) {
        Storage storage = repository.storage();
        String prefix = RepositoryLayout.backupsPrefix(target);
        List<String> ids = new ArrayList<>();
        for (String p : storage.listPrefixes(prefix)) {
            String id = p.substring(prefix.length(), p.length() - 1);
            if (BackupId.isValid(id)) {
                ids.add(id);
            }
        }
        ids.sort(Comparator.reverseOrder());
        List<String> result = new ArrayList<>();
        for (String id : ids) {
            if (storage.stat(RepositoryLayout.manifestKey(target, id)).isPresent()) {
                break; // older ones were superseded by this committed backup
            }
            result.add(id);
            if (result.size() == CANDIDATES) {
                break;
            }
        }
        return result;
    }

    private static Map<String, Note> readNotes(Storage storage, String target, String id) {
        String prefix = RepositoryLayout.backupObjectKey(target, id, NOTES);
        Map<String, Note> notes = new HashMap<>();
        for (ObjectInfo o : storage.list(prefix)) {
            try {
                Note n = RepositoryJson.read(storage.getBytes(o.key()), Note.class, storage.location(o.key()));
                notes.put(n.file().path(), n);
            } catch (RuntimeException e) {
                LOG.warn("ignoring a damaged resume note {}: {}", storage.location(o.key()), e.getMessage());
            }
        }
        return notes;
    }
}
