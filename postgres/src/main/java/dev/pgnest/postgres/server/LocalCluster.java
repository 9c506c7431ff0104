package dev.pgnest.postgres.server;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.PgBinaries;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A PostgreSQL cluster pgnest runs for itself on 127.0.0.1 — a drill's scratch cluster, the
 * demo's database, the test harness's clusters: a work directory holding the data directory
 * (fresh from initdb, or an existing one the caller owns), the socket and the server log; a free
 * port; settings written to the configuration file, so that they survive restarts; everything
 * in the work directory deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (LocalCluster pg = LocalCluster.builder(PgBinaries.ofMajor(15), ServerAccount.automatic())
 *         .workDir(dir).password(secret).setting("wal_level", "logical").start()) {
 *     try (Connection c = pg.connect("postgres")) { ... }
 * }
 * }</pre>
 */
public final class LocalCluster implements AutoCloseable {
    /** Where the cluster listens: loopback only. */
    public static final String HOST = "127.0.0.1";
    private static final String BLOCK_BEGIN = "# BEGIN pgnest local cluster";
    private static final String BLOCK_END = "# END pgnest local cluster";
    private static final int PORT_ATTEMPTS = 5;

    private final Builder spec;
    private final Path workDir;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private volatile int port;
    private volatile LocalServer server;
    private volatile boolean closed;

    private LocalCluster(Builder spec, Path workDir) {
        this.spec = spec;
        this.workDir = workDir;
        this.ownsDataDir = spec.existingDataDir == null;
        this.dataDir = ownsDataDir ? workDir.resolve("data") : spec.existingDataDir.toAbsolutePath().normalize();
    }

    public static Builder builder(PgBinaries binaries, ServerAccount account) {
        return new Builder(binaries, account);
    }

    /** Fluent configuration; {@link #start()} creates the cluster and starts it. */
    public static final class Builder {
        private PgBinaries binaries;
        private ServerAccount account;
        private Path workDir;
        private Path parent;
        private String prefix = "pgnest-pg-";
        private String superuser = "postgres";
        private String password;
        private Path existingDataDir;
        private final List<String> initdbArguments = new ArrayList<>();
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Duration startWait = Duration.ofSeconds(90);

        private Builder(PgBinaries binaries, ServerAccount account) {
            this.binaries = binaries;
            this.account = account;
        }

        /** The server programs (initdb, pg_ctl, postgres). */
        public Builder binaries(PgBinaries programs) {
            this.binaries = programs;
            return this;
        }

        /** The OS account the server runs as. */
        public Builder account(ServerAccount serverAccount) {
            this.account = serverAccount;
            return this;
        }

        /** An empty directory the caller created for the cluster; deleted on close. */
        public Builder workDir(Path dir) {
            this.workDir = dir.toAbsolutePath().normalize();
            return this;
        }

        /** Where to create the work directory ({@code prefix*}) when none is given: java.io.tmpdir, or /tmp when that is too long for a socket. */
        public Builder parent(Path dir, String namePrefix) {
            this.parent = dir;
            this.prefix = namePrefix;
            return this;
        }

        /** The superuser's password: TCP connections then need it (scram-sha-256); null (the default) trusts them. */
        public Builder password(String secret) {
            this.password = secret;
            return this;
        }

        /** Start on this data directory instead of running initdb; the caller owns it (never deleted). */
        public Builder existingDataDir(Path dir) {
            this.existingDataDir = dir;
            return this;
        }

        /** An extra initdb argument, e.g. {@code --data-checksums}. */
        public Builder initdbArgument(String argument) {
            initdbArguments.add(argument);
            return this;
        }

        /** A server setting written to the configuration file; later calls override earlier ones. */
        public Builder setting(String name, String value) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw new IllegalArgumentException("not a PostgreSQL setting name: " + name);
            }
            settings.put(name, value);
            return this;
        }

        public Builder settings(Map<String, String> values) {
            values.forEach(this::setting);
            return this;
        }

        /** Settings for those not set (yet) by {@link #setting}; they come first in the file. */
        public Builder defaultSettings(Map<String, String> values) {
            Map<String, String> all = new LinkedHashMap<>(values);
            all.putAll(settings);
            settings.clear();
            all.forEach(this::setting);
            return this;
        }

        /** The settings so far. */
        public Map<String, String> settings() {
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        }

        /** How long a start may take before it fails (pg_ctl -t). */
        public Builder startWait(Duration wait) {
            this.startWait = wait;
            return this;
        }

        /**
         * Creates the work directory (unless given), runs initdb (unless on an existing data
         * directory) and starts the server on a free port. On failure nothing is left running
         * and the work directory is gone.
         */
        public LocalCluster start() {
            Objects.requireNonNull(binaries, "binaries");
            Objects.requireNonNull(account, "account");
            Path dir = workDir != null ? workDir : createWorkDir(parent, prefix);
            LocalCluster cluster = new LocalCluster(this, dir);
            try {
                cluster.create();
                return cluster;
            } catch (PgnestException e) {
                // the log goes with the work directory: keep its tail for the caller
                String log = lastLines(readQuietly(cluster.logFile()), 40);
                try {
                    cluster.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new StartFailure(e, log);
            } catch (RuntimeException | Error e) {
                try {
                    cluster.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    /** A cluster that could not be created or started, with the last lines of its (deleted) server log. */
    public static final class StartFailure extends PgnestException {
        private static final long serialVersionUID = 1L;
        private final transient String serverLog;

        StartFailure(PgnestException cause, String serverLog) {
            super(cause.kind(), cause.problem(), cause.hint(), cause);
            this.serverLog = serverLog;
        }

        /** The server log's last lines (empty when it never started). */
        public String serverLog() {
            return serverLog;
        }
    }

    // ---------------------------------------------------------------- accessors

    public int port() {
        return port;
    }

    public String superuser() {
        return spec.superuser;
    }

    public String password() {
        return spec.password;
    }

    public PgBinaries binaries() {
        return spec.binaries;
    }

    public ServerAccount account() {
        return spec.account;
    }

    public Path workDir() {
        return workDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The unix socket directory. */
    public Path socketDir() {
        return workDir.resolve("run");
    }

    /** The server log (all starts, appended). */
    public Path logFile() {
        return socketDir().resolve("postgresql.log");
    }

    /** The settings written to the configuration file. */
    public Map<String, String> settings() {
        return spec.settings();
    }

    /** The running server, or null while stopped. */
    public LocalServer server() {
        return server;
    }

    public boolean isRunning() {
        LocalServer s = server;
        return s != null && s.isRunning();
    }

    /** The postmaster's pid, or -1 when stopped. */
    public long pid() {
        LocalServer s = server;
        return s == null ? -1 : s.pid();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /** How to reach a database of this cluster as its superuser, over TCP. */
    public DatabaseConnection connection(String database) {
        return new DatabaseConnection(HOST, port, database, spec.superuser, spec.password, Map.of());
    }

    public Connection connect(String database) throws SQLException {
        return Databases.open(jdbcUrl(database), spec.superuser, spec.password, null, Map.of());
    }

    /** A directory in the work directory the server's OS user can write (a WAL archive); deleted on close. */
    public Path newServerDirectory(String name) {
        Path dir = workDir.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create " + dir + ": " + e.getMessage(), "check " + workDir, e);
        }
        spec.account.takeOwnership(dir);
        return dir;
    }

    @Override
    public String toString() {
        return "LocalCluster[" + HOST + ":" + port + ", " + dataDir + ", " + spec.account.describe() + "]";
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts a stopped cluster again, on the same port. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        if (server == null || !server.isRunning()) {
            server = LocalServer.start(dataDir, options());
        }
    }

    /** Clean shutdown ({@code -m fast}); files kept. */
    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Crash ({@code -m immediate}: the next start runs crash recovery); files kept. */
    public synchronized void crash() {
        if (server != null) {
            server.crash();
            server = null;
        }
    }

    /** Stops the server at once and deletes the work directory (not an existing data directory). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        try {
            if (server != null) {
                server.crash();
            } else {
                LocalServer.readPid(dataDir).filter(LocalServer::isAlive).ifPresent(LocalCluster::kill);
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        server = null;
        problems.addAll(deleteRecursively(workDir));
        if (!problems.isEmpty()) {
            throw new PgnestException(ErrorKind.TOOL, "cleanup of " + this + " incomplete: " + String.join("; ", problems),
                    "delete " + workDir + " by hand");
        }
    }

    // ---------------------------------------------------------------- internals

    private void create() {
        if (!ownsDataDir && !Files.isRegularFile(dataDir.resolve("PG_VERSION"))) {
            throw new PgnestException(ErrorKind.USAGE, "not a PostgreSQL data directory (no PG_VERSION): " + dataDir,
                    "start on a restored or initdb-created data directory");
        }
        try {
            Files.createDirectories(workDir);
            // the server's OS user must be able to pass through to its data and run directories
            Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.createDirectories(socketDir());
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot prepare " + workDir + ": " + e.getMessage(), "check its parent", e);
        }
        if (ownsDataDir) {
            initdb();
        } else {
            spec.account.takeOwnership(dataDir);
        }
        IllegalStateException portTaken = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            port = freePort();
            writeSettings();
            try {
                server = LocalServer.start(dataDir, options());
                return;
            } catch (PgnestException e) {
                String log = readQuietly(logFile());
                if (!log.contains("could not bind") && !log.contains("Address already in use")) {
                    throw e;
                }
                // another process took the port between probing and binding
                portTaken = new IllegalStateException(e.getMessage(), e);
            }
        }
        throw portTaken;
    }

    private LocalServer.Options options() {
        return new LocalServer.Options(spec.binaries, spec.account, port, socketDir(), spec.superuser, spec.password,
                Map.of(), spec.startWait);
    }

    private void initdb() {
        List<String> arguments = new ArrayList<>();
        Path pwfile = workDir.resolve("pwfile");
        try {
            if (spec.password != null) {
                Files.writeString(pwfile, spec.password + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
                spec.account.takeOwnership(pwfile);
                arguments.addAll(List.of("--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256"));
            } else {
                arguments.add("--auth=trust");
            }
            arguments.addAll(spec.initdbArguments);
            LocalServer.initdb(spec.binaries, spec.account, dataDir, spec.superuser, arguments);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write " + pwfile + ": " + e.getMessage(), "check " + workDir, e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // deleted with the work directory at the latest
            }
        }
        allowReplication();
    }

    /** Physical backups and WAL streaming connect with replication=true over TCP. */
    private void allowReplication() {
        Path hba = dataDir.resolve("pg_hba.conf");
        try {
            boolean allowed = Files.readAllLines(hba, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(l -> !l.startsWith("#"))
                    .map(l -> l.split("\\s+"))
                    .anyMatch(f -> f.length >= 4 && f[0].equals("host") && f[1].equals("replication") && f[3].equals(HOST + "/32"));
            if (!allowed) {
                Files.writeString(hba, "host    replication     all             " + HOST + "/32            "
                        + (spec.password == null ? "trust" : "scram-sha-256") + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot update " + hba + ": " + e.getMessage(), "check " + dataDir, e);
        }
    }

    /**
     * The settings, plus listen address, port and socket (ours: nothing may move the server off
     * them), as a block in postgresql.conf — or, on an existing data directory that may carry
     * another cluster's configuration, in postgresql.auto.conf, which is read last.
     */
    private void writeSettings() {
        Path conf = dataDir.resolve(ownsDataDir ? "postgresql.conf" : "postgresql.auto.conf");
        Map<String, String> all = new LinkedHashMap<>(spec.settings);
        all.put("listen_addresses", HOST);
        all.put("port", Integer.toString(port));
        all.put("unix_socket_directories", socketDir().toString());
        all.put("logging_collector", "off");
        StringBuilder block = new StringBuilder(BLOCK_BEGIN).append('\n');
        all.forEach((name, value) -> block.append(name).append(" = '")
                .append(value.replace("\\", "\\\\").replace("'", "''")).append("'\n"));
        block.append(BLOCK_END).append('\n');
        try {
            String existing = Files.exists(conf) ? Files.readString(conf, StandardCharsets.UTF_8) : "";
            int begin = existing.indexOf(BLOCK_BEGIN);
            int end = existing.indexOf(BLOCK_END);
            if (begin >= 0 && end > begin) {
                existing = existing.substring(0, begin) + existing.substring(end + BLOCK_END.length()).stripLeading();
            }
            if (!existing.isEmpty() && !existing.endsWith("\n")) {
                existing += "\n";
            }
            Files.writeString(conf, existing + block, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write " + conf + ": " + e.getMessage(), "check " + dataDir, e);
        }
        spec.account.takeOwnership(conf);
    }

    /**
     * A work directory under {@code parent} (java.io.tmpdir when null): unix socket paths are
     * limited to ~107 bytes, so under a long one it goes to /tmp.
     */
    public static Path createWorkDir(Path parent, String prefix) {
        Path base = parent != null ? parent : Path.of(System.getProperty("java.io.tmpdir"));
        if (parent == null && base.toAbsolutePath().toString().length() > 60) {
            base = Path.of("/tmp");
        }
        try {
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create a directory under " + base + ": " + e.getMessage(),
                    "make " + base + " a writable directory, or point TMPDIR at one", e);
        }
    }

    /** A free TCP port on 127.0.0.1 (free when asked: take it at once). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot find a free port on " + HOST + ": " + e.getMessage(),
                    "check the loopback interface", e);
        }
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (LocalServer.isAlive(pid) && System.nanoTime() < deadline) {
            LocalServer.sleep(20);
        }
    }

    private static String lastLines(String text, int lines) {
        String[] all = text.split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Deletes a tree; returns the paths that could not be deleted. */
    public static List<String> deleteRecursively(Path root) {
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
