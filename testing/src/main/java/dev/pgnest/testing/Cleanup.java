package dev.pgnest.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Last line of defence: whatever a test forgot to close is closed when the JVM exits, so
 * no postmaster and no temp dir outlives the build.
 */
final class Cleanup {

    private static final Set<AutoCloseable> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::closeAll, "pgnest-testing-cleanup"));
    }

    private Cleanup() {
    }

    static void register(AutoCloseable resource) {
        OPEN.add(resource);
    }

    static void unregister(AutoCloseable resource) {
        OPEN.remove(resource);
    }

    private static void closeAll() {
        for (AutoCloseable resource : new ArrayList<>(OPEN)) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("pgnest-testing: cleanup of " + resource + " failed: " + e);
            }
        }
    }

    /** Deletes a tree; returns the paths that could not be deleted. */
    static List<String> deleteRecursively(Path root) {
        List<String> failures = new ArrayList<>();
        if (root == null || !Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return failures;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                    delete(dir);
                    return FileVisitResult.CONTINUE;
                }

                private void delete(Path path) {
                    try {
                        Files.deleteIfExists(path);
                    } catch (NoSuchFileException e) {
                        // a dying server removed it first
                    } catch (IOException e) {
                        failures.add(path + ": " + e);
                    }
                }
            });
        } catch (IOException e) {
            failures.add(root + ": " + e);
        }
        return failures;
    }
}
