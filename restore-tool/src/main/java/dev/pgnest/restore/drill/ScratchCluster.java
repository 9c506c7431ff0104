package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.pitr.LocalServer;
import dev.pgnest.restore.pitr.ServerAccount;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster for a drill: initdb into a fresh directory, trust
 * authentication on 127.0.0.1 only, a free port, everything deleted on close. A drill restores
 * here rather than on the production server, so it costs production nothing but the download.
 */
final class ScratchCluster implements AutoCloseable {
    private final Path workDir;
    private final LocalServer server;

    private ScratchCluster(Path workDir, LocalServer server) {
        this.workDir = workDir;
        this.server = server;
    }

    /** A new directory for one drill under {@code parent}, passable (not readable) for the server's OS user. */
    static Path scratchDirectory(Path parent) {
        try {
            Files.createDirectories(parent);
            Path workDir = Files.createTempDirectory(parent, "pgnest-drill-");
            // the server's OS user must be able to pass through to its data directory
            Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwx--x--x"));
            return workDir;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create a scratch directory under " + parent + ": " + e.getMessage(),
                    "set restore.scratch-dir to a writable directory", e);
        }
    }

    static ScratchCluster start(Path parent, PgBinaries binaries, ServerAccount account) {
        Path workDir = scratchDirectory(parent);
        try {
            Path dataDir = workDir.resolve("data");
            Files.createDirectories(dataDir);
            account.takeOwnership(dataDir);
            List<String> initdb = List.of(binaries.program("initdb").toString(), "-D", dataDir.toString(), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
            run(account.wrap(initdb), dataDir.getParent(), "initdb");
            LocalServer server = LocalServer.start(dataDir, new LocalServer.Options(binaries, account, freePort(),
                    workDir.resolve("run"), "postgres", null,
                    Map.of("listen_addresses", "127.0.0.1", "fsync", "off", "max_connections", "50")));
            ScratchCluster cluster = new ScratchCluster(workDir, server);
            cluster.awaitReady();
            return cluster;
        } catch (IOException | RuntimeException e) {
            deleteTree(workDir);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new PgnestException(ErrorKind.TOOL, "cannot create the scratch cluster: " + e.getMessage(), "check " + parent, e);
        }
    }

    /** Connections to the scratch cluster: TCP on 127.0.0.1, trust, no password. */
    DatabaseConnection connection(String database) {
        return new DatabaseConnection("127.0.0.1", server.port(), database, "postgres", null, Map.of());
    }

    LocalServer server() {
        return server;
    }

    private void awaitReady() {
        long started = System.nanoTime();
        while (server.tryQuery("select 1").isEmpty()) {
            long elapsed = System.nanoTime() - started;
            if ((!server.isRunning() && elapsed > TimeUnit.SECONDS.toNanos(5)) || elapsed > TimeUnit.SECONDS.toNanos(60)) {
                throw new PgnestException(ErrorKind.DATABASE, "the scratch cluster did not start: "
                        + server.log().strip().replaceAll("\\s*\\R\\s*", " | "),
                        "check the PostgreSQL server programs (pg.bin-dir) and restore.scratch-dir");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted", "run the drill again");
            }
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            deleteTree(workDir);
        }
    }

    private static void run(List<String> command, Path dir, String what) {
        try {
            Path out = Files.createTempFile("pgnest-" + what + "-", ".log");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new PgnestException(ErrorKind.TOOL, what + " failed: " + Files.readString(out).strip(),
                            "check the PostgreSQL server programs (pg.bin-dir) and restore.scratch-dir");
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot run " + what + ": " + e.getMessage(), "check pg.bin-dir", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted during " + what, "run the drill again");
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot find a free port: " + e.getMessage(), "set restore.port", e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ScratchCluster.class).warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
