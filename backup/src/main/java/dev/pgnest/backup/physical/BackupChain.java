package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A diff or incr backup and the backups it depends on, down to a full one: restore, verify and
 * retention treat them as one. Every restore path assembles the chain here first and refuses,
 * before it touches anything, when a piece is missing, has a missing or truncated object, or
 * is known to be damaged (its last verification or drill failed); the SHA-256 of every object
 * and file is then checked as the pieces are read.
 */
public final class BackupChain {
    private BackupChain() {
    }

    /** The backups a restore of {@code head} reads, the full one first, {@code head} last. */
    public static List<BackupManifest> assemble(Repository repository, BackupManifest head) {
        List<BackupManifest> chain = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        walk(repository, head, chain, problems, true);
        if (!problems.isEmpty()) {
            throw new PgnestException(ErrorKind.INTEGRITY, "cannot restore backup " + head.id() + ": " + String.join("; ", problems),
                    "restore another backup whose chain is complete (pgnest backup list shows what each depends on), "
                            + "and run pgnest backup verify on this one");
        }
        return chain;
    }

    /**
     * What is wrong with the backups {@code head} depends on (empty: every one there, with all its
     * objects, and not known to be damaged); {@code head}'s own objects are not looked at.
     */
    public static List<String> dependencyProblems(Repository repository, BackupManifest head) {
        List<String> problems = new ArrayList<>();
        walk(repository, head, new ArrayList<>(), problems, false);
        return problems;
    }

    private static void walk(Repository repository, BackupManifest head, List<BackupManifest> chain, List<String> problems,
                             boolean headObjects) {
        Set<String> seen = new HashSet<>();
        BackupManifest current = head;
        while (true) {
            if (!seen.add(current.id())) {
                problems.add("backup " + current.id() + " depends on itself through its chain");
                break;
            }
            chain.add(current);
            if (headObjects || current != head) {
                missingObjects(repository, current, problems);
            }
            String dependsOn = current.dependsOn().orElse(null);
            if (dependsOn == null) {
                break;
            }
            Optional<Catalog.Entry> parent = repository.catalog().find(current.target(), dependsOn);
            if (parent.isEmpty()) {
                problems.add("backup " + current.id() + " depends on backup " + dependsOn + ", which is not in the repository");
                break;
            }
            String child = current.id();
            parent.get().damage().ifPresent(d -> problems.add("backup " + child + " depends on backup " + dependsOn
                    + ", which is damaged (" + d + ")"));
            current = parent.get().manifest();
        }
        Collections.reverse(chain);
    }

    private static void missingObjects(Repository repository, BackupManifest backup, List<String> problems) {
        Map<String, Long> stored = new HashMap<>();
        String prefix = RepositoryLayout.backupPrefix(backup.target(), backup.id());
        for (ObjectInfo o : repository.storage().list(prefix)) {
            stored.put(o.key().substring(prefix.length()), o.size());
        }
        for (BackupManifest.BackupObject o : backup.objects()) {
            Long size = stored.get(o.name());
            if (size == null) {
                problems.add("backup " + backup.id() + " is missing its object " + o.name());
            } else if (size != o.size()) {
                problems.add("backup " + backup.id() + " has " + size + " bytes of " + o.name() + ", its manifest says " + o.size());
            }
        }
    }

    /**
     * The backup a new {@code type} backup depends on: for incr the newest physical backup, for
     * diff the newest full one, from the same cluster and timeline (a page LSN means nothing on
     * another timeline) whose chain is there and not known to be damaged. Empty: take a full one.
     */
    static Optional<Catalog.Entry> reference(Catalog.Listing listing, BackupType type, String systemIdentifier,
                                             long timeline) {
        if (type == BackupType.FULL) {
            return Optional.empty();
        }
        List<Catalog.Entry> backups = listing.backups();
        for (int i = backups.size() - 1; i >= 0; i--) {
            Catalog.Entry b = backups.get(i);
            BackupManifest m = b.manifest();
            if (m.kind() != BackupKind.PHYSICAL || m.physical() == null
                    || (type == BackupType.DIFF && !m.physical().full())
                    || m.postgres() == null || !systemIdentifier.equals(m.postgres().systemIdentifier())
                    || m.physical().timeline() != timeline) {
                continue;
            }
            if (sound(listing, b)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Whether the backup and everything it depends on are listed and not known to be damaged. */
    public static boolean sound(Catalog.Listing listing, Catalog.Entry backup) {
        Set<String> seen = new HashSet<>();
        Optional<Catalog.Entry> current = Optional.of(backup);
        while (current.isPresent() && seen.add(current.get().id())) {
            if (current.get().damaged()) {
                return false;
            }
            Optional<String> parent = current.get().manifest().dependsOn();
            if (parent.isEmpty()) {
                return true;
            }
            current = listing.backup(parent.get());
        }
        return false;
    }
}
