package dev.pgnest.restore.pitr;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code --delta}: the backup is restored (and verified) into a sibling directory, then only
 * the files whose content differs replace those of the existing data directory, and files the
 * backup does not have are removed. Unchanged files keep their inode, so the restore writes
 * little on a cluster that diverged little.
 *
 * <p>It still downloads the whole backup: the backup module's reader restores whole objects.
 * A file filter there would let delta download only what differs.
 */
final class DeltaSync {
    record Result(int rewritten, int unchanged, int removed) {
    }

    private DeltaSync() {
    }

    static Path workDirFor(Path dataDir) {
        Path abs = dataDir.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".pgnest-delta");
    }

    static Result apply(Path restored, Path dataDir) {
        int rewritten = 0;
        int unchanged = 0;
        int removed = 0;
        try {
            Set<Path> wanted = new HashSet<>();
            // the restore command's own "unfinished" mark stays until recovery is done
            wanted.add(Path.of(dev.pgnest.backup.physical.PhysicalRestore.INCOMPLETE_MARKER));
            List<Path> restoredPaths;
            try (Stream<Path> s = Files.walk(restored)) {
                restoredPaths = s.filter(p -> !p.equals(restored)).toList();
            }
            for (Path p : restoredPaths) {
                Path rel = restored.relativize(p);
                wanted.add(rel);
                Path target = dataDir.resolve(rel.toString());
                if (Files.isSymbolicLink(p)) {
                    if (!Files.isSymbolicLink(target) || !Files.readSymbolicLink(target).equals(Files.readSymbolicLink(p))) {
                        Files.deleteIfExists(target);
                        Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                        rewritten++;
                    }
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(target);
                        Files.createDirectories(target);
                    }
                } else if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == Files.size(p)
                        && Files.mismatch(target, p) == -1) {
                    unchanged++;
                } else {
                    Files.move(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    rewritten++;
                }
            }
            List<Path> existing;
            try (Stream<Path> s = Files.walk(dataDir)) {
                existing = new ArrayList<>(s.filter(p -> !p.equals(dataDir)).sorted(Comparator.reverseOrder()).toList());
            }
            for (Path p : existing) {
                if (!wanted.contains(dataDir.relativize(p))) {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        deleteTree(p, false);
                    } else {
                        Files.deleteIfExists(p);
                    }
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "delta restore into " + dataDir + " failed: " + e.getMessage(),
                    "the data directory is inconsistent now: restore again (with --delta, or into an empty directory)", e);
        } finally {
            deleteTree(restored, false);
        }
        return new Result(rewritten, unchanged, removed);
    }

    /** Deletes {@code root} (only its contents when {@code keepRoot}); symbolic links are removed, not followed. */
    static void deleteTree(Path root, boolean keepRoot) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // a file may come or go while the tree is walked (a read-ahead fetch finishing late under
        // load): the walk then fails with a NoSuchFileException; walk again
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!(keepRoot && p.equals(root))) {
                        Files.deleteIfExists(p);
                    }
                }
                return;
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt == 3 || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                    org.slf4j.LoggerFactory.getLogger(DeltaSync.class).warn("could not delete {}: {}", root, e.getMessage());
                    return;
                }
            }
        }
    }
}
