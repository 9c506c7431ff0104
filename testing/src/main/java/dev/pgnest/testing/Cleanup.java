package dev.pgnest.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static final String OWNER_FILE = "owner";
    private static volatile boolean swept;

    /**
     * Marks a work dir as belonging to this JVM (pid and start time, so a reused pid does not
     * count) and records the data dir whose postmaster a sweep would have to stop.
     */
    static void markOwned(Path workDir, Path dataDir) throws IOException {
        ProcessHandle self = ProcessHandle.current();
        long started = self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        Files.writeString(workDir.resolve(OWNER_FILE), self.pid() + "\n" + started + "\n" + dataDir + "\n");
    }

    /**
     * Shutdown hooks do not run when a JVM is SIGKILLed (a surefire timeout, a killed build):
     * once per JVM, stop the postmasters and delete the work dirs whose owning JVM is gone.
     */
    static void sweepOrphans(Path base, String prefix) {
        if (swept) {
            return;
        }
        swept = true;
        sweepOrphansNow(base, prefix);
    }

    static void sweepOrphansNow(Path base, String prefix) {
        try (var dirs = Files.newDirectoryStream(base, prefix + "*")) {
            for (Path dir : dirs) {
                Path owner = dir.resolve(OWNER_FILE);
                if (!Files.isRegularFile(owner)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(owner);
                if (lines.size() < 3 || ownerAlive(Long.parseLong(lines.get(0)), Long.parseLong(lines.get(1)))) {
                    continue;
                }
                Path pidFile = Path.of(lines.get(2)).resolve("postmaster.pid");
                if (Files.isRegularFile(pidFile)) {
                    List<String> pidLines = Files.readAllLines(pidFile);
                    long pid = pidLines.isEmpty() ? -1 : Long.parseLong(pidLines.get(0).strip());
                    // only a postgres process: the pid may have been reused since
                    ProcessHandle.of(pid)
                            .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                            .ifPresent(h -> {
                                h.descendants().forEach(ProcessHandle::destroyForcibly);
                                h.destroyForcibly();
                            });
                }
                deleteRecursively(dir);
            }
        } catch (IOException | RuntimeException e) {
            // best effort; a failed sweep must not fail the test that triggered it
        }
    }

    private static boolean ownerAlive(long pid, long startedMillis) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .map(h -> h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L) == startedMillis)
                .orElse(false);
    }

    /** Deletes a tree; returns the paths that could not be deleted. */
    static List<String> deleteRecursively(Path root) {
        return dev.pgnest.postgres.server.LocalCluster.deleteRecursively(root);
    }
}
