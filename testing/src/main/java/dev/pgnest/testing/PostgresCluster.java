package dev.pgnest.testing;

import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.postgres.PostgresMajors;
import dev.pgnest.postgres.server.LocalCluster;
import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.postgres.server.ServerAccount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ephemeral PostgreSQL cluster for integration tests: a fixture over the postgres module's
 * {@link LocalCluster} (initdb into a fresh temp dir, a free port on 127.0.0.1, its own unix
 * socket directory), torn down (process and files) on {@link #close()} or, failing that, when
 * the JVM exits.
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
    /** The majors {@link Builder#major(int)} can start: Debian's 15, zonky's builds of the others. */
    /** The majors pgnest supports ({@link PostgresMajors}), oldest first. */
    public static final List<Integer> MAJORS = java.util.stream.IntStream.rangeClosed(PostgresMajors.OLDEST, PostgresMajors.NEWEST)
            .boxed().toList();

    private static final String SUPERUSER = "postgres";
    private static final String HOST = LocalCluster.HOST;
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
    private static final int LOG_TAIL_LINES = 40;
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
         * {@code runuser -u postgres --}: the server runs as the postgres OS user. Paths the
         * server must reach (archive dirs, restored data dirs) must be reachable by that user:
         * create them with {@link #newServerDirectory(String)}.
         */
        POSTGRES_USER;

        /** The postgres module's account for this mode. */
        public ServerAccount account() {
            return switch (this) {
                case USER_NAMESPACE -> new ServerAccount.UserNamespace();
                case POSTGRES_USER -> new ServerAccount.OsUser("postgres");
                case CURRENT_USER -> new ServerAccount.CurrentUser();
                case AUTO -> ServerAccount.automatic();
            };
        }
    }

    private final Path binDir;
    private final RunAs runAs;
    private final LocalCluster cluster;
    private volatile boolean closed;

    private PostgresCluster(Path binDir, RunAs runAs, LocalCluster cluster) {
        this.binDir = binDir;
        this.runAs = runAs;
        this.cluster = cluster;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a fresh cluster of PostgreSQL {@code major} (one of {@link #MAJORS}) with the default settings. */
    public static PostgresCluster start(int major) {
        return builder().major(major).start();
    }

    /**
     * The bin dir with initdb, pg_ctl and postgres of {@code major}: Debian's
     * {@code /usr/lib/postgresql/<major>/bin} when it has them, else zonky's build (unpacked on
     * first use). No client programs in zonky's: psql, pg_dump and pg_basebackup are Debian's 15.
     */
    public static Path binDirOf(int major) {
        return MajorBinaries.binDir(major);
    }

    /** Starts a cluster on an existing data directory (e.g. a restored backup) whose superuser password is known. */
    public static PostgresCluster startExisting(Path dataDir, String password) {
        return builder().existingDataDir(dataDir).password(password).start();
    }

    /** Fluent configuration; {@link #start()} creates and starts the cluster. */
    public static final class Builder {
        private Path binDir = defaultBinDir();
        private Integer major;
        private RunAs runAs = RunAs.AUTO;
        private final LocalCluster.Builder spec = LocalCluster.builder(null, null).startWait(PG_CTL_TIMEOUT);
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
            this.major = null;
            return this;
        }

        /**
         * PostgreSQL {@code major} (13 to 18) instead of the default bin dir: see
         * {@link #binDirOf(int)}. The last of {@code major} and {@link #binDir(Path)} wins.
         */
        public Builder major(int major) {
            this.major = major;
            return this;
        }

        /** A server setting written to the configuration file; later calls override earlier ones. */
        public Builder setting(String name, String value) {
            spec.setting(name, value);
            return this;
        }

        public Builder settings(Map<String, String> values) {
            spec.settings(values);
            return this;
        }

        /** An extra initdb argument, e.g. {@code --data-checksums}. */
        public Builder initdbArgument(String argument) {
            spec.initdbArgument(argument);
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
            if (major != null) {
                binDir = MajorBinaries.binDir(major);
            }
            requireBinary(binDir, "pg_ctl");
            if (existingDataDir == null) {
                requireBinary(binDir, "initdb");
            } else if (!Files.isRegularFile(existingDataDir.resolve("PG_VERSION"))) {
                throw new IllegalArgumentException("not a PostgreSQL data directory (no PG_VERSION): " + existingDataDir);
            }
            RunAs mode = resolveRunAs(runAs);
            if (existingDataDir == null) {
                // not for existing data dirs: a restored standby needs max_connections etc. at least
                // as high as its primary's, so it keeps what its configuration says
                spec.defaultSettings(DEFAULTS);
            } else {
                spec.existingDataDir(existingDataDir);
            }
            Path workDir = createWorkDir();
            Path dataDir = existingDataDir == null ? workDir.resolve("data") : existingDataDir.toAbsolutePath().normalize();
            try {
                Cleanup.markOwned(workDir, dataDir);
            } catch (IOException e) {
                Cleanup.deleteRecursively(workDir);
                throw new UncheckedIOException("cannot write to " + workDir, e);
            }
            spec.binaries(PgBinaries.in(binDir)).account(mode.account()).workDir(workDir)
                    .password(password != null ? password : randomPassword());
            LocalCluster cluster;
            try {
                cluster = spec.start();
            } catch (PgnestException e) {
                throw failure(e, mode, workDir, dataDir);
            }
            PostgresCluster pg = new PostgresCluster(binDir, mode, cluster);
            Cleanup.register(pg);
            pg.awaitJdbc();
            return pg;
        }

        private IllegalStateException failure(PgnestException e, RunAs mode, Path workDir, Path dataDir) {
            if (e.getMessage().startsWith("initdb failed")) {
                return new IllegalStateException("initdb failed (bin dir " + binDir + ", run as " + mode + "): " + e.getMessage(), e);
            }
            String log = e instanceof LocalCluster.StartFailure f ? f.serverLog() : "";
            return new IllegalStateException("PostgreSQL did not start (bin dir " + binDir + ", data dir " + dataDir
                    + ", run as " + mode + "): " + e.getMessage() + "\n--- server log tail ---\n" + log, e);
        }
    }

    // ---------------------------------------------------------------- accessors

    public String host() {
        return HOST;
    }

    public int port() {
        return cluster.port();
    }

    public String user() {
        return SUPERUSER;
    }

    public String password() {
        return cluster.password();
    }

    public String jdbcUrl() {
        return jdbcUrl(SUPERUSER);
    }

    public String jdbcUrl(String database) {
        return cluster.jdbcUrl(database);
    }

    public Path dataDir() {
        return cluster.dataDir();
    }

    public Path binDir() {
        return binDir;
    }

    /** The cluster's temp dir ({@code pgnest-pg-*}): data dir, log, socket dir. Deleted on close. */
    public Path workDir() {
        return cluster.workDir();
    }

    public Path socketDir() {
        return cluster.socketDir();
    }

    public Path logFile() {
        return cluster.logFile();
    }

    public RunAs runAs() {
        return runAs;
    }

    /** The settings written to the configuration file (defaults and the builder's), not the harness-owned ones. */
    public Map<String, String> settings() {
        return cluster.settings();
    }

    /** The major version of the data directory (PG_VERSION), e.g. 15. */
    public int majorVersion() {
        try {
            return Integer.parseInt(Files.readString(dataDir().resolve("PG_VERSION"), StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + dataDir().resolve("PG_VERSION"), e);
        }
    }

    /** PID of the running postmaster, or -1 when stopped. */
    public long postmasterPid() {
        return cluster.pid();
    }

    public boolean isRunning() {
        return !closed && cluster.isRunning();
    }

    /**
     * libpq variables for client tools (pg_dump, psql, pg_basebackup) run by tests, password
     * included: pass them as the child's environment, never as arguments.
     */
    public Map<String, String> libpqEnvironment() {
        return cluster.connection(SUPERUSER).libpqEnvironment();
    }

    /** The last lines of the server log, for assertion messages. */
    public String logTail() {
        String[] all = readQuietly(logFile()).split("\n");
        int from = Math.max(0, all.length - LOG_TAIL_LINES);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }

    @Override
    public String toString() {
        return "PostgresCluster[" + HOST + ":" + port() + ", " + dataDir() + ", " + runAs + "]";
    }

    // ---------------------------------------------------------------- SQL

    public Connection connect() throws SQLException {
        return connect(SUPERUSER);
    }

    public Connection connect(String database) throws SQLException {
        return cluster.connect(database);
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
     * Runs psql from the bin dir (else Debian's 15) against this cluster (password via the environment) with
     * {@code -X -v ON_ERROR_STOP=1} and the given arguments; returns stdout+stderr, throws
     * when psql fails.
     */
    public String psql(String... arguments) {
        // zonky's builds (other majors) have no psql: Debian's 15 one talks to them all
        Path psql = Files.isExecutable(binDir.resolve("psql")) ? binDir.resolve("psql") : DEFAULT_BIN_DIR.resolve("psql");
        List<String> command = new ArrayList<>(List.of(psql.toString(), "-X", "-v", "ON_ERROR_STOP=1"));
        command.addAll(List.of(arguments));
        ChildProcess.Result result = ChildProcess.run(command, libpqEnvironment(), null, PG_CTL_TIMEOUT);
        if (result.exitCode() == -1) {
            throw new IllegalStateException("psql timed out: " + String.join(" ", command));
        }
        if (!result.ok()) {
            throw new IllegalStateException("psql exited with " + result.exitCode() + ": " + result.output().strip());
        }
        return result.output();
    }

    /**
     * A streaming standby of this cluster, started: {@code pg_basebackup -R -X stream} into
     * {@code dataDir} (empty or absent; the caller owns it, as with {@link Builder#existingDataDir}),
     * which writes standby.signal and primary_conninfo. It keeps the primary's configuration
     * (archive_mode = on does not archive on a standby) plus {@code settings}. Returns once it
     * accepts connections and streams.
     */
    public PostgresCluster startStandby(Path dataDir, Map<String, String> settings) {
        Path basebackup = Files.isExecutable(binDir.resolve("pg_basebackup")) ? binDir.resolve("pg_basebackup")
                : DEFAULT_BIN_DIR.resolve("pg_basebackup");
        List<String> command = List.of(basebackup.toString(), "-D", dataDir.toString(), "-R", "-X", "stream",
                "-c", "fast", "--no-sync");
        ChildProcess.Result result = ChildProcess.run(command, libpqEnvironment(), null, PG_CTL_TIMEOUT);
        if (!result.ok()) {
            throw new IllegalStateException("pg_basebackup for a standby exited with " + result.exitCode() + ": "
                    + result.output().strip());
        }
        PostgresCluster standby = builder().binDir(binDir).runAs(runAs).existingDataDir(dataDir).password(password())
                .settings(settings).setting("hot_standby", "on").start();
        long deadline = System.nanoTime() + PG_CTL_TIMEOUT.toNanos();
        while (!"streaming".equals(standby.queryForString("SELECT status FROM pg_stat_wal_receiver"))) {
            if (System.nanoTime() > deadline) {
                standby.close();
                throw new IllegalStateException("the standby of " + this + " does not stream\n" + standby.logTail());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return standby;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Creates a directory inside the work dir that the server's OS user can write, e.g. a WAL
     * archive for {@code archive_command}. Deleted on close.
     */
    public Path newServerDirectory(String name) {
        return cluster.newServerDirectory(name);
    }

    /** Starts a stopped cluster again (same data dir and port). */
    public synchronized void start() {
        ensureOpen();
        if (cluster.isRunning()) {
            return;
        }
        try {
            cluster.start();
        } catch (PgnestException e) {
            throw new IllegalStateException("PostgreSQL did not start again (" + this + "): " + e.getMessage()
                    + "\n--- server log tail ---\n" + logTail(), e);
        }
        awaitJdbc();
    }

    /** Clean shutdown ({@code -m fast}: checkpoint), files kept; {@link #start()} brings it back. */
    public synchronized void stop() {
        ensureDataDirKnown();
        cluster.stop();
    }

    /**
     * Crash: {@code -m immediate} (no shutdown checkpoint, the next start runs crash recovery),
     * files kept.
     */
    public synchronized void crash() {
        ensureDataDirKnown();
        cluster.crash();
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
        Cleanup.unregister(this);
        try {
            cluster.close();
        } catch (PgnestException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- internals

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void ensureDataDirKnown() {
        if (!Files.isDirectory(dataDir())) {
            throw new IllegalStateException("data dir " + dataDir() + " is gone");
        }
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
                LocalServer.sleep(100);
            }
        }
        throw new IllegalStateException("PostgreSQL started but JDBC connect to " + jdbcUrl() + " failed: "
                + (last == null ? "timeout" : last.getMessage()) + "\n--- server log tail ---\n" + logTail());
    }

    /**
     * Whether a process still runs (a zombie postmaster reparented to a slow-reaping init has
     * exited).
     */
    static boolean isAlive(long pid) {
        return LocalServer.isAlive(pid);
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
            if (!ServerAccount.isRoot()) {
                mode = RunAs.CURRENT_USER;
            } else if (ServerAccount.userNamespacesWork()) {
                mode = RunAs.USER_NAMESPACE;
            } else {
                mode = RunAs.POSTGRES_USER;
            }
        }
        if (mode == RunAs.CURRENT_USER && ServerAccount.isRoot()) {
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

    /** A {@code pgnest-pg-*} temp dir, after sweeping those of JVMs that died without closing theirs. */
    private static Path createWorkDir() {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (base.toAbsolutePath().toString().length() > 60) {
            base = Path.of("/tmp");
        }
        Cleanup.sweepOrphans(base, "pgnest-pg-");
        return LocalCluster.createWorkDir(base, "pgnest-pg-");
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

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
