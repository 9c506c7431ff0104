package dev.pgnest.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * An ephemeral PostgreSQL cluster for integration tests: initdb into a fresh temp dir, a free
 * port on 127.0.0.1, its own unix socket directory, torn down (process and files) on
 * {@link #close()} or, failing that, when the JVM exits.
 *
 * <pre>{@code
 * try (PostgresCluster pg = PostgresCluster.builder().setting("wal_level", "logical").start()) {
 *     pg.execute("CREATE TABLE t (id int)");
 * }
 * }</pre>
 *
 * <p>PostgreSQL refuses to run as root. When the tests run as root the server processes run in
 * a user namespace ({@code unshare -U}, files stay root-owned) or as the {@code postgres} OS
 * user ({@code runuser}), see {@link RunAs}.
 */
public final class PostgresCluster implements AutoCloseable {

    /** Binaries directory, as a system property. */
    public static final String BIN_DIR_PROPERTY = "pgnest.test.pgBinDir";
    /** Binaries directory, as an environment variable. */
    public static final String BIN_DIR_ENV = "PGNEST_TEST_PG_BIN_DIR";
    /** Default {@link RunAs} mode, as a system property (e.g. {@code postgres_user}). */
    public static final String RUN_AS_PROPERTY = "pgnest.test.pgRunAs";
    /** Default {@link RunAs} mode, as an environment variable. */
    public static final String RUN_AS_ENV = "PGNEST_TEST_PG_RUN_AS";
    /** Debian's PostgreSQL 15 server and client tools. */
    public static final Path DEFAULT_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");

    private static final String SUPERUSER = "postgres";
    private static final String OS_SERVER_USER = "postgres";
    private static final String HOST = "127.0.0.1";
    private static final String BLOCK_BEGIN = "# BEGIN pgnest test harness";
    private static final String BLOCK_END = "# END pgnest test harness";
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
    private static final int LOG_TAIL_LINES = 40;
    private static final int PORT_ATTEMPTS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How the server processes are run; only matters when the tests run as root. */
    public enum RunAs {
        /**
         * Not root: {@link #CURRENT_USER}. Root: {@link #USER_NAMESPACE} when {@code unshare -U}
         * works, else {@link #POSTGRES_USER}. Overridable with {@value #RUN_AS_PROPERTY} /
         * {@value #RUN_AS_ENV}.
         */
        AUTO,
        /** Run initdb/pg_ctl directly (the tests do not run as root). */
        CURRENT_USER,
        /**
         * {@code unshare -U}: inside the namespace root is unmapped, so PostgreSQL's root check
         * passes while every file stays owned by (real) root. The server, and anything it runs
         * such as {@code archive_command}, can read what root can, e.g. jars under /root/.m2,
         * and data directories written by the test (restores) need no chown.
         */
        USER_NAMESPACE,
        /**
         * {@code runuser -u postgres --}: the server runs as the postgres OS user and the temp
         * dir is chowned to it. Paths the server must reach (archive dirs, restored data dirs)
         * must be reachable by that user: create them with {@link #newServerDirectory(String)}.
         */
        POSTGRES_USER
    }

    private final Path binDir;
    private final RunAs runAs;
    private final Path workDir;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Path socketDir;
    private final Path logFile;
    private final String password;
    private final Map<String, String> settings;
    private final Path harnessConf;
    private volatile int port;
    private volatile long postmasterPid = -1;
    private volatile boolean running;
    private volatile boolean closed;

    private PostgresCluster(Builder builder, Path workDir, RunAs runAs) {
        this.binDir = builder.binDir;
        this.runAs = runAs;
        this.workDir = workDir;
        this.ownsDataDir = builder.existingDataDir == null;
        this.dataDir = ownsDataDir ? workDir.resolve("data") : builder.existingDataDir.toAbsolutePath();
        this.socketDir = workDir.resolve("s");
        this.logFile = workDir.resolve("postgres.log");
        this.password = builder.password != null ? builder.password : randomPassword();
        Map<String, String> effective = new LinkedHashMap<>();
        if (ownsDataDir) {
            // not for existing data dirs: a restored standby needs max_connections etc. at least
            // as high as its primary's, so it keeps what its configuration says
            effective.putAll(Builder.DEFAULTS);
        }
        effective.putAll(builder.settings);
        this.settings = Collections.unmodifiableMap(effective);
        // an existing data dir may carry another cluster's postgresql.conf (a restore);
        // postgresql.auto.conf is read last, so our port and socket dir win there
        this.harnessConf = dataDir.resolve(ownsDataDir ? "postgresql.conf" : "postgresql.auto.conf");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a cluster on an existing data directory (e.g. a restored backup) whose superuser password is known. */
    public static PostgresCluster startExisting(Path dataDir, String password) {
        return builder().existingDataDir(dataDir).password(password).start();
    }

    /** Fluent configuration; {@link #start()} creates and starts the cluster. */
    public static final class Builder {
        private Path binDir = defaultBinDir();
        private RunAs runAs = RunAs.AUTO;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final List<String> initdbArguments = new ArrayList<>();
        private Path existingDataDir;
        private String password;

        /** Small and quick for fresh clusters; fsync stays on (crash tests need it). */
        static final Map<String, String> DEFAULTS = Map.of(
                "max_connections", "50",
                "shared_buffers", "32MB",
                "log_line_prefix", "%m [%p] ");

        private Builder() {
        }

        /** Directory with initdb, pg_ctl and postgres (e.g. zonky binaries of another major). */
        public Builder binDir(Path binDir) {
            this.binDir = binDir;
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

        /** An extra initdb argument, e.g. {@code --data-checksums}. */
        public Builder initdbArgument(String argument) {
            initdbArguments.add(argument);
            return this;
        }

        /** Shorthand for {@code initdbArgument("--data-checksums")}. */
        public Builder dataChecksums() {
            return initdbArgument("--data-checksums");
        }

        public Builder runAs(RunAs runAs) {
            this.runAs = runAs;
            return this;
        }

        /**
         * Start on this data directory instead of running initdb. The directory is not deleted
         * on close; the caller owns it. Ownership and mode are fixed up for the server user.
         */
        public Builder existingDataDir(Path dataDir) {
            this.existingDataDir = dataDir;
            return this;
        }

        /** Superuser password: the one to set at initdb, or the known one of an existing data dir. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public PostgresCluster start() {
            requireBinary(binDir, "pg_ctl");
            if (existingDataDir == null) {
                requireBinary(binDir, "initdb");
            } else if (!Files.isRegularFile(existingDataDir.resolve("PG_VERSION"))) {
                throw new IllegalArgumentException("not a PostgreSQL data directory (no PG_VERSION): "
                        + existingDataDir);
            }
            RunAs mode = resolveRunAs(runAs);
            Path workDir = createWorkDir();
            PostgresCluster cluster = new PostgresCluster(this, workDir, mode);
            Cleanup.register(cluster);
            try {
                Cleanup.markOwned(workDir, cluster.dataDir);
                cluster.prepareOwnership();
                if (existingDataDir == null) {
                    cluster.initdb(initdbArguments);
                }
                cluster.startWithFreePort();
                return cluster;
            } catch (IOException e) {
                cluster.close();
                throw new UncheckedIOException("cannot write to " + workDir, e);
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

    // ---------------------------------------------------------------- accessors

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String user() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public String jdbcUrl() {
        return jdbcUrl(SUPERUSER);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path binDir() {
        return binDir;
    }

    /** The cluster's temp dir ({@code pgnest-pg-*}): data dir, log, socket dir. Deleted on close. */
    public Path workDir() {
        return workDir;
    }

    public Path socketDir() {
        return socketDir;
    }

    public Path logFile() {
        return logFile;
    }

    public RunAs runAs() {
        return runAs;
    }

    /** The settings written to the configuration file (defaults and the builder's), not the harness-owned ones. */
    public Map<String, String> settings() {
        return settings;
    }

    /** The major version of the data directory (PG_VERSION), e.g. 15. */
    public int majorVersion() {
        try {
            return Integer.parseInt(Files.readString(dataDir.resolve("PG_VERSION"), StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + dataDir.resolve("PG_VERSION"), e);
        }
    }

    /** PID of the running postmaster, or -1 when stopped. */
    public long postmasterPid() {
        return running ? postmasterPid : -1;
    }

    public boolean isRunning() {
        return running && isAlive(postmasterPid);
    }

    /**
     * libpq variables for client tools (pg_dump, psql, pg_basebackup) run by tests, password
     * included: pass them as the child's environment, never as arguments.
     */
    public Map<String, String> libpqEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", HOST);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGUSER", SUPERUSER);
        env.put("PGPASSWORD", password);
        env.put("PGDATABASE", SUPERUSER);
        return env;
    }

    /** The last lines of the server log, for assertion messages. */
    public String logTail() {
        return tail(logFile, LOG_TAIL_LINES);
    }

    @Override
    public String toString() {
        return "PostgresCluster[" + HOST + ":" + port + ", " + dataDir + ", " + runAs + "]";
    }

    // ---------------------------------------------------------------- SQL

    public Connection connect() throws SQLException {
        return connect(SUPERUSER);
    }

    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Runs SQL (one or more statements) in the postgres database, autocommit. */
    public void execute(String sql) {
        execute(SUPERUSER, sql);
    }

    public void execute(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + database + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** First column of the first row as text, or null when there is no row. */
    public String queryForString(String sql) {
        return queryForString(SUPERUSER, sql);
    }

    public String queryForString(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on " + database + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** All rows, each as its columns' text, for comparing results. */
    public List<List<String>> queryForRows(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            List<List<String>> rows = new ArrayList<>();
            while (rs.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on " + database + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    public void createDatabase(String name) {
        execute("CREATE DATABASE " + quoteIdentifier(name));
    }

    /**
     * Runs psql from the bin dir against this cluster (password via the environment) with
     * {@code -X -v ON_ERROR_STOP=1} and the given arguments; returns stdout+stderr, throws
     * when psql fails.
     */
    public String psql(String... arguments) {
        List<String> command = new ArrayList<>(List.of(binDir.resolve("psql").toString(), "-X", "-v", "ON_ERROR_STOP=1"));
        command.addAll(List.of(arguments));
        Path out = workDir.resolve("psql-" + System.nanoTime() + ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(libpqEnvironment());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(PG_CTL_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("psql timed out: " + String.join(" ", command));
            }
            String output = OsUser.readQuietly(out);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("psql exited with " + p.exitValue() + ": " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // the work dir goes on close anyway
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Creates a directory inside the work dir that the server's OS user can write, e.g. a WAL
     * archive for {@code archive_command}. Deleted on close.
     */
    public Path newServerDirectory(String name) {
        Path dir = workDir.resolve(name);
        try {
            Files.createDirectories(dir);
            if (runAs == RunAs.POSTGRES_USER) {
                chownTree(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Starts a stopped cluster again (same data dir and port). */
    public synchronized void start() {
        ensureOpen();
        if (running) {
            return;
        }
        prepareOwnership();
        startOnce(true);
    }

    /** Clean shutdown ({@code -m fast}: checkpoint), files kept; {@link #start()} brings it back. */
    public synchronized void stop() {
        stop("fast");
    }

    /**
     * Crash: {@code -m immediate} (no shutdown checkpoint, the next start runs crash recovery),
     * files kept.
     */
    public synchronized void crash() {
        stop("immediate");
    }

    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the server immediately (killing it if pg_ctl fails) and deletes the work dir. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        try {
            if (running || Files.exists(dataDir.resolve("postmaster.pid"))) {
                stop("immediate");
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        problems.addAll(Cleanup.deleteRecursively(workDir));
        Cleanup.unregister(this);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cleanup of " + this + " incomplete: " + String.join("; ", problems));
        }
    }

    // ---------------------------------------------------------------- internals

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void initdb(List<String> extraArguments) {
        Path pwfile = workDir.resolve("pwfile");
        try {
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            if (runAs == RunAs.POSTGRES_USER) {
                chownTree(pwfile);
            }
            List<String> command = new ArrayList<>(List.of(
                    binDir.resolve("initdb").toString(),
                    "-D", dataDir.toString(),
                    // inside a user namespace the OS user is "nobody"; name the superuser explicitly
                    "-U", SUPERUSER,
                    "--pwfile=" + pwfile,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E", "UTF8",
                    "--locale=C",
                    // skips fsync of the freshly written files only; the server keeps fsync=on
                    "--no-sync"));
            command.addAll(extraArguments);
            ChildProcess.Result result = ChildProcess.run(wrap(command), workDir.resolve("initdb.log"), PG_CTL_TIMEOUT);
            if (!result.ok()) {
                throw new IllegalStateException("initdb failed (bin dir " + binDir + ", run as " + runAs + "): "
                        + result.describe());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare initdb in " + workDir, e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // deleted with the work dir at the latest
            }
        }
        ensureReplicationAllowed();
    }

    /** Physical backups and streaming tests connect with replication=true over TCP. */
    private void ensureReplicationAllowed() {
        Path hba = dataDir.resolve("pg_hba.conf");
        try {
            List<String> lines = Files.readAllLines(hba, StandardCharsets.UTF_8);
            boolean allowed = lines.stream()
                    .map(String::strip)
                    .filter(l -> !l.startsWith("#"))
                    .map(l -> l.split("\\s+"))
                    .anyMatch(f -> f.length >= 4 && f[0].equals("host") && f[1].equals("replication")
                            && f[3].equals("127.0.0.1/32"));
            if (!allowed) {
                Files.writeString(hba, "host    replication     all             127.0.0.1/32            scram-sha-256\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + hba, e);
        }
    }

    private void startWithFreePort() {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            port = freePort();
            try {
                startOnce(false);
                return;
            } catch (PortInUse e) {
                last = e;
            }
        }
        throw last;
    }

    /** Thrown when another process took the port between probing and binding. */
    private static final class PortInUse extends IllegalStateException {
        PortInUse(String message) {
            super(message);
        }
    }

    private void startOnce(boolean samePort) {
        if (!samePort) {
            writeHarnessSettings();
        }
        long logOffset = size(logFile);
        ChildProcess.Result result = ChildProcess.run(wrap(List.of(
                binDir.resolve("pg_ctl").toString(),
                "-D", dataDir.toString(),
                "-l", logFile.toString(),
                "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()),
                "start")), workDir.resolve("pg_ctl-start.log"), PG_CTL_TIMEOUT.plusSeconds(10));
        if (!result.ok()) {
            String log = tailFrom(logFile, logOffset);
            killLeftovers();
            String message = "PostgreSQL did not start (bin dir " + binDir + ", data dir " + dataDir
                    + ", port " + port + ", run as " + runAs + "): " + result.describe()
                    + "\n--- server log tail ---\n" + log
                    + initdbLogSuffix();
            if (log.contains("could not bind") || log.contains("Address already in use")) {
                throw new PortInUse(message);
            }
            throw new IllegalStateException(message);
        }
        postmasterPid = readPostmasterPid().orElse(-1L);
        running = true;
        awaitJdbc();
    }

    private void awaitJdbc() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = connect()) {
                if (c.isValid(5)) {
                    return;
                }
            } catch (SQLException e) {
                last = e;
                sleep(100);
            }
        }
        throw new IllegalStateException("PostgreSQL started but JDBC connect to " + jdbcUrl() + " failed: "
                + (last == null ? "timeout" : last.getMessage()) + "\n--- server log tail ---\n" + logTail());
    }

    private void stop(String mode) {
        ensureDataDirKnown();
        Optional<Long> pid = readPostmasterPid();
        ChildProcess.Result result = ChildProcess.run(wrap(List.of(
                binDir.resolve("pg_ctl").toString(),
                "-D", dataDir.toString(),
                "-m", mode,
                "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()),
                "stop")), workDir.resolve("pg_ctl-stop.log"), PG_CTL_TIMEOUT.plusSeconds(10));
        String problem = result.ok() ? null : result.describe();
        long knownPid = pid.orElse(postmasterPid);
        if (!awaitExit(knownPid, Duration.ofSeconds(problem == null ? 10 : 1))) {
            killTree(knownPid);
            if (!awaitExit(knownPid, Duration.ofSeconds(10))) {
                throw new IllegalStateException("postmaster " + knownPid + " of " + this + " survived SIGKILL"
                        + (problem == null ? "" : "; " + problem));
            }
        }
        running = false;
        postmasterPid = -1;
        if (mode.equals("immediate")) {
            // a killed postmaster leaves postmaster.pid behind; pg_ctl start copes, but be tidy
            try {
                Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
            } catch (IOException ignored) {
                // start copes with a stale one
            }
        }
    }

    private void ensureDataDirKnown() {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalStateException("data dir " + dataDir + " is gone");
        }
    }

    private void killLeftovers() {
        readPostmasterPid().ifPresent(pid -> {
            killTree(pid);
            awaitExit(pid, Duration.ofSeconds(10));
        });
    }

    private static void killTree(long pid) {
        if (pid <= 0) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(handle -> {
            handle.descendants().forEach(ProcessHandle::destroyForcibly);
            handle.destroyForcibly();
        });
    }

    private static boolean awaitExit(long pid, Duration timeout) {
        if (pid <= 0) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    /**
     * Whether a process still runs. A stopped postmaster was reparented to PID 1 (pg_ctl's shell
     * exited), and some inits reap zombies only every few seconds; a zombie has exited, and
     * ProcessHandle would call it alive.
     */
    static boolean isAlive(long pid) {
        if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        String stat = OsUser.readQuietly(Path.of("/proc", Long.toString(pid), "stat"));
        int afterName = stat.lastIndexOf(')');
        if (afterName < 0 || afterName + 2 >= stat.length()) {
            return !stat.isEmpty() || Files.exists(Path.of("/proc", Long.toString(pid)));
        }
        char state = stat.charAt(afterName + 2);
        return state != 'Z' && state != 'X';
    }

    private Optional<Long> readPostmasterPid() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void writeHarnessSettings() {
        Map<String, String> all = new LinkedHashMap<>(settings);
        // these belong to the harness: a test must not move the server off its socket
        all.put("listen_addresses", HOST);
        all.put("port", Integer.toString(port));
        all.put("unix_socket_directories", socketDir.toString());
        all.put("logging_collector", "off");
        StringBuilder block = new StringBuilder(BLOCK_BEGIN).append('\n');
        all.forEach((name, value) -> block.append(name).append(" = '")
                .append(value.replace("\\", "\\\\").replace("'", "''")).append("'\n"));
        block.append(BLOCK_END).append('\n');
        try {
            String existing = Files.exists(harnessConf) ? Files.readString(harnessConf, StandardCharsets.UTF_8) : "";
            int begin = existing.indexOf(BLOCK_BEGIN);
            int end = existing.indexOf(BLOCK_END);
            if (begin >= 0 && end > begin) {
                existing = existing.substring(0, begin) + existing.substring(end + BLOCK_END.length()).stripLeading();
            }
            if (!existing.isEmpty() && !existing.endsWith("\n")) {
                existing += "\n";
            }
            Files.writeString(harnessConf, existing + block, StandardCharsets.UTF_8);
            if (runAs == RunAs.POSTGRES_USER) {
                chownTree(harnessConf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + harnessConf, e);
        }
    }

    private List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>();
        switch (runAs) {
            case USER_NAMESPACE -> wrapped.addAll(List.of("unshare", "-U", "--"));
            case POSTGRES_USER -> wrapped.addAll(List.of("runuser", "-u", OS_SERVER_USER, "--"));
            default -> {
            }
        }
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * The server insists on owning its data dir (mode 0700/0750). Restored data dirs were written
     * by the test (root) or extracted from a tar that kept another owner: fix both.
     */
    private void prepareOwnership() {
        try {
            Files.createDirectories(socketDir);
            if (runAs == RunAs.POSTGRES_USER) {
                chownTree(workDir);
                if (!ownsDataDir) {
                    chownTree(dataDir);
                    requireReachable(dataDir);
                }
            } else if (runAs == RunAs.USER_NAMESPACE && !ownsDataDir) {
                chownTree(dataDir);
            }
            if (!ownsDataDir) {
                Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + workDir + " for the server user", e);
        }
    }

    /** Chowns to the server's OS user: postgres for runuser, else whoever owns our work dir (us). */
    private void chownTree(Path root) throws IOException {
        UserPrincipal user;
        GroupPrincipal group;
        if (runAs == RunAs.POSTGRES_USER) {
            UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
            user = lookup.lookupPrincipalByName(OS_SERVER_USER);
            group = lookup.lookupPrincipalByGroupName(OS_SERVER_USER);
        } else {
            var ours = Files.readAttributes(workDir, java.nio.file.attribute.PosixFileAttributes.class);
            user = ours.owner();
            group = ours.group();
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }

    private static void requireReachable(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            var attrs = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
            boolean ownedByServer = attrs.owner().getName().equals(OS_SERVER_USER);
            boolean othersMayEnter = attrs.permissions().contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            if (!ownedByServer && !othersMayEnter) {
                throw new IllegalStateException("data dir " + dir + " is not reachable by OS user " + OS_SERVER_USER
                        + ": " + p + " is " + PosixFilePermissions.toString(attrs.permissions())
                        + " owned by " + attrs.owner().getName()
                        + "; create it under PostgresCluster.newServerDirectory(..) or use RunAs.USER_NAMESPACE");
            }
        }
    }

    private String initdbLogSuffix() {
        Path initdbLog = workDir.resolve("initdb.log");
        return Files.exists(initdbLog) ? "\n--- initdb output ---\n" + tail(initdbLog, LOG_TAIL_LINES) : "";
    }

    private static RunAs resolveRunAs(RunAs requested) {
        RunAs mode = requested;
        if (mode == RunAs.AUTO) {
            String configured = Optional.ofNullable(System.getProperty(RUN_AS_PROPERTY))
                    .orElse(System.getenv(RUN_AS_ENV));
            if (configured != null && !configured.isBlank()) {
                try {
                    mode = RunAs.valueOf(configured.strip().toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown " + RUN_AS_PROPERTY + " '" + configured
                            + "': use auto, current_user, user_namespace or postgres_user", e);
                }
            }
        }
        if (mode == RunAs.AUTO) {
            if (!OsUser.isRoot()) {
                mode = RunAs.CURRENT_USER;
            } else if (OsUser.userNamespacesWork()) {
                mode = RunAs.USER_NAMESPACE;
            } else {
                mode = RunAs.POSTGRES_USER;
            }
        }
        if (mode == RunAs.CURRENT_USER && OsUser.isRoot()) {
            throw new IllegalStateException("PostgreSQL refuses to run as root: use RunAs.USER_NAMESPACE or POSTGRES_USER");
        }
        return mode;
    }

    private static Path defaultBinDir() {
        String configured = Optional.ofNullable(System.getProperty(BIN_DIR_PROPERTY)).orElse(System.getenv(BIN_DIR_ENV));
        return configured == null || configured.isBlank() ? DEFAULT_BIN_DIR : Path.of(configured);
    }

    private static void requireBinary(Path binDir, String name) {
        if (!Files.isExecutable(binDir.resolve(name))) {
            throw new IllegalStateException("no executable " + name + " in " + binDir + ": install PostgreSQL "
                    + "server binaries or point -D" + BIN_DIR_PROPERTY + " / " + BIN_DIR_ENV + " at their bin dir");
        }
    }

    /**
     * Unix sockets are limited to ~107 bytes of path; a long java.io.tmpdir (some CI runners)
     * would break the server's socket, so fall back to /tmp.
     */
    private static Path createWorkDir() {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (base.toAbsolutePath().toString().length() > 60) {
            base = Path.of("/tmp");
        }
        Cleanup.sweepOrphans(base, "pgnest-pg-");
        try {
            return Files.createTempDirectory(base, "pgnest-pg-").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir under " + base, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String tailFrom(Path file, long offset) {
        String all = OsUser.readQuietly(file);
        String fromOffset = offset > 0 && offset <= all.length() ? all.substring((int) offset) : all;
        return lastLines(fromOffset.isBlank() ? all : fromOffset, LOG_TAIL_LINES);
    }

    private static String tail(Path file, int lines) {
        return lastLines(OsUser.readQuietly(file), lines);
    }

    private static String lastLines(String text, int lines) {
        String[] all = text.split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
