package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backups a repository holds, read from their manifests: the one reader of backup
 * metadata for list, show, verify, expire and restore alike. A backup directory without a
 * manifest is not a backup and never appears here.
 */
public final class Catalog {
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
    private static final int PARALLEL_READS = 8;

    private final Repository repository;

    Catalog(Repository repository) {
        this.repository = repository;
    }

    /**
     * A committed backup and what is known about it since: its last verification, the drills
     * that restored it and those that restored a later backup whose restore needs it (a diff or
     * incr backup of its chain), oldest first (filled in by {@link #listing}, empty from
     * {@link #find}).
     */
    public record Entry(BackupManifest manifest, Verification verification, List<DrillRecord> drills,
                        List<DrillRecord> dependentDrills) {
        public Entry {
            drills = drills == null ? List.of() : List.copyOf(drills);
            dependentDrills = dependentDrills == null ? List.of() : List.copyOf(dependentDrills);
        }

        public Entry(BackupManifest manifest, Verification verification, List<DrillRecord> drills) {
            this(manifest, verification, drills, List.of());
        }

        public Entry(BackupManifest manifest, Verification verification) {
            this(manifest, verification, List.of());
        }

        public String id() {
            return manifest.id();
        }

        /** Verified, and the last verification found no problem. */
        public boolean verifiedOk() {
            return verification != null && verification.ok();
        }

        public Optional<DrillRecord> lastDrill() {
            return drills.isEmpty() ? Optional.empty() : Optional.of(drills.get(drills.size() - 1));
        }

        /**
         * When this backup was last proven restorable: the last passed drill of it, or of a later
         * backup whose restore read this one (its chain). Only its own drills can mark it damaged.
         */
        public Optional<DrillRecord> lastProven() {
            return Stream.concat(drills.stream(), dependentDrills.stream())
                    .filter(DrillRecord::succeeded)
                    .max(Comparator.comparing(DrillRecord::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder())));
        }

        /**
         * Why this backup is known to be damaged: its last verification or its last drill failed.
         * Retention counts such a backup for nothing; empty when nothing says it is damaged.
         */
        public Optional<String> damage() {
            if (verification != null && !verification.ok()) {
                return Optional.of("verification failed at " + verification.time());
            }
            return lastDrill().filter(d -> !d.succeeded())
                    .map(d -> "drill " + d.id() + " failed at " + d.finishedAt() + (d.report() == null ? "" : " (" + d.report() + ")"));
        }

        public boolean damaged() {
            return damage().isPresent();
        }
    }

    /** The targets that have anything in the repository, by name. */
    public List<String> targets() {
        List<String> targets = new ArrayList<>();
        for (String prefix : repository.storage().listPrefixes("")) {
            targets.add(prefix.substring(0, prefix.length() - 1));
        }
        return targets;
    }

    /**
     * A target's committed backups, oldest first, and the backups whose manifest could not be
     * read (damaged, or written by a newer pgnest): what such a backup needs is unknown, so
     * whatever deletes on behalf of the kept backups (WAL expiry) must not guess.
     */
    public record Listing(List<Entry> backups, List<String> unreadable, List<DrillRecord> drills) {
        public Listing {
            backups = List.copyOf(backups);
            unreadable = List.copyOf(unreadable);
            drills = List.copyOf(drills);
        }

        public Optional<Entry> backup(String id) {
            return backups.stream().filter(b -> b.id().equals(id)).findFirst();
        }

        /** The target's last drill, passed or failed, whichever backup it restored. */
        public Optional<DrillRecord> lastDrill() {
            return drills.isEmpty() ? Optional.empty() : Optional.of(drills.get(drills.size() - 1));
        }

        /**
         * The last passed drill of a kind of backup (any kind when null): when the target was last
         * proven restorable, even if that backup has since expired.
         */
        public Optional<DrillRecord> lastProven(BackupKind kind) {
            for (int i = drills.size() - 1; i >= 0; i--) {
                DrillRecord d = drills.get(i);
                if (d.succeeded() && d.backup() != null && (kind == null || kind.id().equals(d.backup().kind()))) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }

        /** When a backup of the target last verified ok. */
        public Optional<Instant> lastVerified() {
            return backups.stream().map(Entry::verification).filter(v -> v != null && v.ok())
                    .map(Verification::time).max(Comparator.naturalOrder());
        }
    }

    /** The committed backups of {@code target}, oldest first. Damaged manifests are skipped with a warning. */
    public List<Entry> backups(String target) {
        return listing(target).backups();
    }

    /** The committed backups of {@code target}, oldest first, and the ids of unreadable ones. */
    public Listing listing(String target) {
        Storage storage = repository.storage();
        List<String> ids = new ArrayList<>();
        for (String prefix : storage.listPrefixes(RepositoryLayout.backupsPrefix(target))) {
            String id = prefix.substring(RepositoryLayout.backupsPrefix(target).length(), prefix.length() - 1);
            if (BackupId.isValid(id)) {
                ids.add(id);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_READS, r -> {
            Thread t = new Thread(r, "pgnest-catalog");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Read>> reads = ids.stream()
                    .map(id -> CompletableFuture.supplyAsync(() -> readQuietly(target, id), pool))
                    .toList();
            List<CompletableFuture<Optional<DrillRecord>>> drillReads = storage.list(RepositoryLayout.drillsPrefix(target))
                    .stream().map(ObjectInfo::key).filter(k -> k.endsWith(".json")).sorted()
                    .map(k -> CompletableFuture.supplyAsync(() -> readDrill(k), pool))
                    .toList();
            List<DrillRecord> drills = join(drillReads).stream().flatMap(Optional::stream)
                    .sorted(Comparator.comparing(DrillRecord::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder())))
                    .toList();
            List<String> unreadable = new ArrayList<>();
            List<Entry> read = new ArrayList<>();
            for (Read r : join(reads)) {
                r.entry().ifPresent(read::add);
                if (r.unreadable() != null) {
                    unreadable.add(r.unreadable());
                }
            }
            List<Entry> entries = new ArrayList<>(withDrills(read, drills));
            entries.sort(Comparator.comparing(Entry::id));
            return new Listing(entries, unreadable, drills);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each backup with its own drills and those of the later backups whose chain holds it. */
    private static List<Entry> withDrills(List<Entry> backups, List<DrillRecord> drills) {
        Map<String, BackupManifest> byId = new HashMap<>();
        backups.forEach(e -> byId.put(e.id(), e.manifest()));
        Map<String, List<DrillRecord>> own = new HashMap<>();
        Map<String, List<DrillRecord>> dependent = new HashMap<>();
        for (DrillRecord d : drills) {
            if (d.backupId() == null || !byId.containsKey(d.backupId())) {
                continue;
            }
            own.computeIfAbsent(d.backupId(), k -> new ArrayList<>()).add(d);
            Set<String> seen = new HashSet<>();
            for (String up = byId.get(d.backupId()).dependsOn().orElse(null); up != null && seen.add(up);
                 up = byId.containsKey(up) ? byId.get(up).dependsOn().orElse(null) : null) {
                dependent.computeIfAbsent(up, k -> new ArrayList<>()).add(d);
            }
        }
        return backups.stream().map(e -> new Entry(e.manifest(), e.verification(), own.get(e.id()), dependent.get(e.id())))
                .toList();
    }

    /** The backup, or empty when it does not exist (no manifest). */
    public Optional<Entry> find(String target, String id) {
        BackupId.check(id);
        return read(target, id);
    }

    /** The backup, or a clear error that says how to find the right id. */
    public Entry get(String target, String id) {
        return find(target, id).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                "backup " + id + " does not exist in target '" + target + "' of " + repository.location(),
                "pgnest backup list shows the backups there are"));
    }

    /** The newest committed backup of a kind (any kind when {@code kind} is null). */
    public Optional<Entry> latest(String target, BackupKind kind) {
        List<Entry> all = backups(target);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (kind == null || all.get(i).manifest().kind() == kind) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * Stores the outcome of a verification next to the manifest: added to the backup's history,
     * then as its last verification (what list, retention and the page read).
     */
    public void recordVerification(String target, String id, Verification verification) {
        byte[] json = RepositoryJson.write(verification);
        repository.storage().put(RepositoryLayout.verificationHistoryKey(target, id, verification.time()), json);
        repository.storage().put(RepositoryLayout.verificationKey(target, id), json);
    }

    /**
     * Every recorded verification of a backup, oldest first. Backups verified before the history
     * existed have only their last one; a damaged record is skipped with a warning.
     */
    public List<Verification> verifications(String target, String id) {
        Storage storage = repository.storage();
        List<Verification> history = new ArrayList<>();
        for (ObjectInfo o : storage.list(RepositoryLayout.verificationsPrefix(target, id))) {
            readVerification(o.key(), id).ifPresent(history::add);
        }
        if (history.isEmpty()) {
            readVerification(RepositoryLayout.verificationKey(target, id), id).ifPresent(history::add);
        }
        history.sort(Comparator.comparing(Verification::time));
        return history;
    }

    private Optional<Verification> readVerification(String key, String id) {
        Storage storage = repository.storage();
        try {
            return Optional.of(RepositoryJson.read(storage.getBytes(key), Verification.class, storage.location(key)));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (PgnestException e) {
            LOG.warn("ignoring damaged verification record of backup {}: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    private static <T> List<T> join(List<CompletableFuture<T>> futures) {
        List<T> values = new ArrayList<>();
        for (CompletableFuture<T> f : futures) {
            try {
                values.add(f.join());
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        return values;
    }

    /** A drill report; a damaged one is skipped (the drill's outcome is then unknown, not failed). */
    private Optional<DrillRecord> readDrill(String key) {
        Storage storage = repository.storage();
        try {
            DrillRecord d = RepositoryJson.read(storage.getBytes(key), DrillRecord.class, storage.location(key));
            String md = key.substring(0, key.length() - ".json".length()) + ".md";
            return Optional.of(d.withReport(storage.location(md)));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (PgnestException e) {
            LOG.warn("ignoring damaged drill record: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** One manifest read: the backup (empty without a manifest), or the id of an unreadable one. */
    private record Read(Optional<Entry> entry, String unreadable) {
    }

    private Read readQuietly(String target, String id) {
        try {
            return new Read(read(target, id), null);
        } catch (PgnestException e) {
            if (e.kind() != ErrorKind.REPOSITORY) {
                throw e;
            }
            LOG.warn("skipping backup {}: {}", id, e.getMessage());
            return new Read(Optional.empty(), id);
        }
    }

    private Optional<Entry> read(String target, String id) {
        Storage storage = repository.storage();
        String manifestKey = RepositoryLayout.manifestKey(target, id);
        BackupManifest manifest;
        try {
            manifest = RepositoryJson.read(storage.getBytes(manifestKey), BackupManifest.class,
                    storage.location(manifestKey));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
        if (manifest.format() > RepositoryFormat.CURRENT) {
            throw new PgnestException(ErrorKind.REPOSITORY, "backup " + id + " has manifest format " + manifest.format()
                    + ", this pgnest reads format " + RepositoryFormat.CURRENT, "upgrade pgnest");
        }
        if (!id.equals(manifest.id()) || !target.equals(manifest.target())) {
            throw new PgnestException(ErrorKind.REPOSITORY, "manifest " + storage.location(manifestKey)
                    + " describes backup " + manifest.id() + " of target " + manifest.target(),
                    "the repository was edited by hand; move the directory back or remove it");
        }
        Verification verification = readVerification(RepositoryLayout.verificationKey(target, id), id).orElse(null);
        return Optional.of(new Entry(manifest, verification));
    }
}
