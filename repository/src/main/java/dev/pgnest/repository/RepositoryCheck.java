package dev.pgnest.repository;

import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds (and unless asked not to, removes) what dead processes left in a repository: backup
 * directories without a manifest whose writer is gone, and unfinished uploads. A backup that
 * is still running is recognised by its in-progress marker — certainly alive, or with a fresh
 * heartbeat — and left alone.
 */
public final class RepositoryCheck {

    public enum FindingKind {
        /** A backup without a manifest whose writer died: removed. */
        INCOMPLETE_BACKUP,
        /** A backup being written right now: left alone. */
        RUNNING_BACKUP,
        /** An upload (multipart upload, temp file) nobody will finish: aborted. */
        ABANDONED_UPLOAD,
        /** An in-progress marker next to a manifest (the writer died between the two): removed. */
        STRAY_MARKER,
        /** A manifest that cannot be read: reported, never removed automatically. */
        DAMAGED_MANIFEST,
        /** A directory under backups/ that is not a backup id: reported only. */
        UNKNOWN_DIRECTORY,
        /** A diff or incr backup whose dependency is gone: it cannot be restored; reported only. */
        BROKEN_CHAIN;

        /** Whether this finding is a problem (as opposed to a running backup). */
        public boolean isProblem() {
            return this != RUNNING_BACKUP;
        }
    }

    /**
     * One thing found.
     *
     * @param removed whether it was removed/aborted by this run
     */
    public record Finding(FindingKind kind, String target, String backupId, String location, String detail,
                          boolean removed) {
    }

    /** What a check saw: targets and committed backups counted, and every finding. */
    public record Report(String repository, int format, List<String> targets, int backups, List<Finding> findings) {
        /** Problems still in the repository after this run (not removed, not a running backup). */
        public List<Finding> outstanding() {
            return findings.stream().filter(f -> f.kind().isProblem() && !f.removed()).toList();
        }
    }

    private final Repository repository;
    private final boolean dryRun;
    private final boolean readManifests;

    private RepositoryCheck(Repository repository, boolean dryRun, boolean readManifests) {
        this.repository = repository;
        this.dryRun = dryRun;
        this.readManifests = readManifests;
    }

    /**
     * Checks every target (or one) of the repository.
     *
     * @param target null for all targets
     * @param dryRun report only, remove nothing
     */
    public static Report run(Repository repository, String target, boolean dryRun) {
        RepositoryCheck check = new RepositoryCheck(repository, dryRun, true);
        List<String> targets = target == null ? repository.catalog().targets() : List.of(target);
        List<Finding> findings = new ArrayList<>();
        int backups = 0;
        for (String t : targets) {
            backups += check.checkTarget(t, findings);
        }
        if (target == null) {
            check.checkUploadsOutsideTargets(targets, findings);
        }
        return new Report(repository.location(), repository.format().format(), targets, backups, findings);
    }

    /**
     * Removes leftovers of dead backups of {@code target}; backups call this before they start.
     * Unlike {@link #run}, it does not read every manifest (a damaged one is reported by
     * {@code repo check} and {@code backup list}), so it costs a few requests however many
     * backups the target holds.
     */
    public static List<Finding> cleanTarget(Repository repository, String target) {
        List<Finding> findings = new ArrayList<>();
        new RepositoryCheck(repository, false, false).checkTarget(target, findings);
        return findings;
    }

    private int checkTarget(String target, List<Finding> findings) {
        Storage storage = repository.storage();
        Instant staleBefore = repository.clock().instant().minus(repository.staleAfter());
        String backupsPrefix = RepositoryLayout.backupsPrefix(target);

        // one listing of unfinished uploads for the whole target, grouped by backup
        Map<String, List<IncompleteWrite>> uploadsByBackup = new HashMap<>();
        List<IncompleteWrite> otherUploads = new ArrayList<>();
        for (IncompleteWrite w : storage.listIncomplete(RepositoryLayout.targetPrefix(target))) {
            String id = backupIdOf(backupsPrefix, w.key());
            if (id != null) {
                uploadsByBackup.computeIfAbsent(id, k -> new ArrayList<>()).add(w);
            } else {
                otherUploads.add(w);
            }
        }

        // one listing of the target's backup objects instead of a few requests per backup: a
        // backup starts with this check, and a repository keeps hundreds of backups
        Map<String, BackupObjects> backups = new TreeMap<>();
        for (ObjectInfo o : storage.list(backupsPrefix)) {
            String id = backupIdOf(backupsPrefix, o.key());
            if (id != null && !id.isEmpty()) {
                backups.computeIfAbsent(id, k -> new BackupObjects())
                        .add(o.key().substring(backupsPrefix.length() + id.length() + 1), o);
            }
        }
        int committed = 0;
        Set<String> withManifest = new HashSet<>();
        backups.forEach((id, objects) -> {
            if (objects.manifest) {
                withManifest.add(id);
            }
        });
        for (Map.Entry<String, BackupObjects> e : backups.entrySet()) {
            String id = e.getKey();
            if (!BackupId.isValid(id)) {
                findings.add(new Finding(FindingKind.UNKNOWN_DIRECTORY, target, null,
                        storage.location(backupsPrefix + id + "/"), "not a backup id; pgnest leaves it alone", false));
                continue;
            }
            List<IncompleteWrite> uploads = uploadsByBackup.getOrDefault(id, List.of());
            if (e.getValue().manifest) {
                committed++;
                checkCommitted(target, id, e.getValue().marker, uploads, staleBefore, findings, withManifest);
            } else {
                checkUncommitted(target, id, e.getValue(), uploads, staleBefore, findings);
            }
        }
        // uploads of backups that never stored a single object
        for (Map.Entry<String, List<IncompleteWrite>> e : uploadsByBackup.entrySet()) {
            if (!backups.containsKey(e.getKey())) {
                abortStale(target, e.getKey(), e.getValue(), staleBefore, findings);
            }
        }
        abortStale(target, null, otherUploads, staleBefore, findings);
        return committed;
    }

    private void checkCommitted(String target, String id, boolean hasMarker, List<IncompleteWrite> uploads,
                                Instant staleBefore, List<Finding> findings, Set<String> withManifest) {
        Storage storage = repository.storage();
        if (readManifests) {
            try {
                repository.catalog().find(target, id).flatMap(b -> b.manifest().dependsOn())
                        .filter(parent -> !withManifest.contains(parent))
                        .ifPresent(parent -> findings.add(new Finding(FindingKind.BROKEN_CHAIN, target, id,
                                storage.location(RepositoryLayout.manifestKey(target, id)),
                                "depends on backup " + parent + ", which is not in the repository: it cannot be restored",
                                false)));
            } catch (PgnestException e) {
                findings.add(new Finding(FindingKind.DAMAGED_MANIFEST, target, id,
                        storage.location(RepositoryLayout.manifestKey(target, id)), e.getMessage(), false));
            }
        }
        String marker = RepositoryLayout.inProgressKey(target, id);
        if (hasMarker) {
            if (!dryRun) {
                storage.delete(marker);
            }
            findings.add(new Finding(FindingKind.STRAY_MARKER, target, id, storage.location(marker),
                    "in-progress marker of a committed backup", !dryRun));
        }
        abortStale(target, id, uploads, staleBefore, findings);
    }

    private void checkUncommitted(String target, String id, BackupObjects listed, List<IncompleteWrite> uploads,
                                  Instant staleBefore, List<Finding> findings) {
        Storage storage = repository.storage();
        String location = storage.location(RepositoryLayout.backupPrefix(target, id));
        Optional<BackupMarker> marker = readMarker(target, id);
        Optional<ObjectInfo> markerInfo = storage.stat(RepositoryLayout.inProgressKey(target, id));
        String reason;
        if (marker.isPresent() && markerInfo.isPresent()) {
            ProcessIdentity process = marker.get().process();
            if (process != null && process.isCertainlyDead()) {
                reason = "no manifest; its backup process (" + process + ") is gone";
            } else if (markerInfo.get().lastModified().isBefore(staleBefore)) {
                reason = "no manifest; no heartbeat from " + process + " since " + markerInfo.get().lastModified();
            } else {
                findings.add(new Finding(FindingKind.RUNNING_BACKUP, target, id, location,
                        "running in " + process + ", started " + marker.get().started(), false));
                return;
            }
        } else {
            Instant newest = listed.newest;
            for (IncompleteWrite w : uploads) {
                newest = w.started().isAfter(newest) ? w.started() : newest;
            }
            if (!newest.isBefore(staleBefore)) {
                findings.add(new Finding(FindingKind.RUNNING_BACKUP, target, id, location,
                        "no manifest and no marker, but written to recently (" + newest + "); left alone", false));
                return;
            }
            reason = "no manifest and no in-progress marker; last written " + newest;
        }
        // the listing is a few requests old by now: a backup that committed meanwhile stays
        if (storage.stat(RepositoryLayout.manifestKey(target, id)).isPresent()) {
            return;
        }
        if (!dryRun) {
            repository.retire(target, id);
            PendingBackup.removeLeftovers(storage, target, id);
        }
        findings.add(new Finding(FindingKind.INCOMPLETE_BACKUP, target, id, location,
                reason + (uploads.isEmpty() ? "" : "; " + uploads.size() + " unfinished upload(s)"), !dryRun));
    }

    private void abortStale(String target, String id, List<IncompleteWrite> uploads, Instant staleBefore,
                            List<Finding> findings) {
        for (IncompleteWrite w : uploads) {
            if (w.started().isBefore(staleBefore)) {
                if (!dryRun) {
                    repository.storage().abort(w);
                }
                findings.add(new Finding(FindingKind.ABANDONED_UPLOAD, target, id,
                        repository.storage().location(w.key()), "unfinished upload started " + w.started(), !dryRun));
            }
        }
    }

    private void checkUploadsOutsideTargets(List<String> targets, List<Finding> findings) {
        Instant staleBefore = repository.clock().instant().minus(repository.staleAfter());
        List<IncompleteWrite> outside = new ArrayList<>();
        for (IncompleteWrite w : repository.storage().listIncomplete("")) {
            int slash = w.key().indexOf('/');
            if (slash < 0 || !targets.contains(w.key().substring(0, slash))) {
                outside.add(w);
            }
        }
        abortStale(null, null, outside, staleBefore, findings);
    }

    private Optional<BackupMarker> readMarker(String target, String id) {
        String key = RepositoryLayout.inProgressKey(target, id);
        try {
            return Optional.of(RepositoryJson.read(repository.storage().getBytes(key), BackupMarker.class,
                    repository.storage().location(key)));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (PgnestException e) {
            return Optional.empty(); // a torn marker cannot prove liveness: judged by age below
        }
    }

    /** What the listing shows of one backup directory. */
    private static final class BackupObjects {
        boolean manifest;
        boolean marker;
        Instant newest = Instant.MIN;

        void add(String name, ObjectInfo o) {
            manifest |= name.equals(RepositoryLayout.MANIFEST);
            marker |= name.equals(RepositoryLayout.IN_PROGRESS);
            newest = o.lastModified().isAfter(newest) ? o.lastModified() : newest;
        }
    }

    private static String backupIdOf(String backupsPrefix, String key) {
        if (!key.startsWith(backupsPrefix)) {
            return null;
        }
        int slash = key.indexOf('/', backupsPrefix.length());
        return slash < 0 ? null : key.substring(backupsPrefix.length(), slash);
    }
}
