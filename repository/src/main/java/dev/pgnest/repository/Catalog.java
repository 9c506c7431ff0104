package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    /** A committed backup and what is known about it since. */
    public record Entry(BackupManifest manifest, Verification verification) {
        public String id() {
            return manifest.id();
        }

        /** Verified, and the last verification found no problem. */
        public boolean verifiedOk() {
            return verification != null && verification.ok();
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
    public record Listing(List<Entry> backups, List<String> unreadable) {
        public Listing {
            backups = List.copyOf(backups);
            unreadable = List.copyOf(unreadable);
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
        if (ids.isEmpty()) {
            return new Listing(List.of(), List.of());
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, ids.size()), r -> {
            Thread t = new Thread(r, "pgnest-catalog");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Read>> reads = ids.stream()
                    .map(id -> CompletableFuture.supplyAsync(() -> readQuietly(target, id), pool))
                    .toList();
            List<Entry> entries = new ArrayList<>();
            List<String> unreadable = new ArrayList<>();
            for (CompletableFuture<Read> read : reads) {
                try {
                    Read r = read.join();
                    r.entry().ifPresent(entries::add);
                    if (r.unreadable() != null) {
                        unreadable.add(r.unreadable());
                    }
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : e;
                }
            }
            entries.sort(Comparator.comparing(Entry::id));
            return new Listing(entries, unreadable);
        } finally {
            pool.shutdownNow();
        }
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

    /** Stores the outcome of a verification next to the manifest. */
    public void recordVerification(String target, String id, Verification verification) {
        repository.storage().put(RepositoryLayout.verificationKey(target, id), RepositoryJson.write(verification));
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
        Verification verification = null;
        String verificationKey = RepositoryLayout.verificationKey(target, id);
        try {
            verification = RepositoryJson.read(storage.getBytes(verificationKey), Verification.class,
                    storage.location(verificationKey));
        } catch (ObjectNotFoundException e) {
            // never verified
        } catch (PgnestException e) {
            LOG.warn("ignoring damaged verification record of backup {}: {}", id, e.getMessage());
        }
        return Optional.of(new Entry(manifest, verification));
    }
}
