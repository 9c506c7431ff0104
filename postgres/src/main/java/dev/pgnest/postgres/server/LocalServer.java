package dev.pgnest.postgres.server;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.ChildProcess.Result;
import dev.pgnest.postgres.PgBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server that pgnest starts on a data directory (restored, or fresh from
 * {@link #initdb}), with {@code pg_ctl},
 * as the right OS user, on a port and socket directory of its own. Settings that only this run
 * needs (port, socket, log destination) go on the command line, so the data directory's own
 * configuration is what the operator gets when the service manager starts it later.
 *
 * <p>pgnest talks to it with {@code psql} over the unix socket, as the server's OS user: that
 * passes the usual {@code local ... peer}/{@code trust} rules of a restored {@code pg_hba.conf}
 * without knowing any password.
 */
public final class LocalServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalServer.class);
    private static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9_./:,@+=-]*");
    private static final Pattern UNSAFE_PATH = Pattern.compile("[\"$`\\\\\\n']");
    /** sockaddr_un.sun_path is 108 bytes; the socket is {@code <dir>/.s.PGSQL.<port>.lock}. */
    public static final int MAX_SOCKET_DIR = 80;
    private static final Duration PG_CTL_TIMEOUT = Duration.ofMinutes(5);

    /**
     * A private directory for a server's socket and log, {@code prefix*} under {@code tempDir}
     * ($TMPDIR, java.io.tmpdir): a unix socket path is short, so under a temp dir too long for
     * one it goes to /tmp instead.
     */
    public static Path createRunDirectory(Path tempDir, String prefix) {
        Path base = tempDir.toAbsolutePath().normalize();
        // "/" + prefix + the longest name createTempDirectory draws (an unsigned long)
        if (base.toString().length() + 1 + prefix.length() + 20 > MAX_SOCKET_DIR) {
            base = Path.of("/tmp");
        }
        try {
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create a run directory in " + base + ": " + e.getMessage(),
                    "make " + base + " a writable directory, or point TMPDIR at one", e);
        }
    }

    /**
     * How to run the server.
     *
     * @param binaries  where pg_ctl, postgres and psql are
     * @param account   the OS account the server runs as
     * @param port      TCP port (and socket name); must be free
     * @param runDir    short directory for the socket and the server log, writable by pgnest
     * @param superuser database superuser psql connects as (the cluster's bootstrap user, normally postgres)
     * @param password  its password, when the restored pg_hba.conf wants one on the socket (may be null)
     * @param settings  extra {@code -c name=value} settings for this run only
     * @param startWait how long {@link #start} waits for the server to accept connections
     *                  ({@code pg_ctl -w}); null: it returns at once (recovery may take hours; callers poll)
     */
    public record Options(PgBinaries binaries, ServerAccount account, int port, Path runDir, String superuser,
                          String password, Map<String, String> settings, Duration startWait) {
        public Options {
            Objects.requireNonNull(binaries, "binaries");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(runDir, "runDir");
            superuser = superuser == null ? "postgres" : superuser;
            settings = settings == null ? Map.of() : Map.copyOf(settings);
            if (port < 1 || port > 65535) {
                throw new PgnestException(ErrorKind.CONFIG, "port " + port + " is not a TCP port", "use 1-65535");
            }
        }

        /** Options whose {@link #start} returns at once. */
        public Options(PgBinaries binaries, ServerAccount account, int port, Path runDir, String superuser,
                       String password, Map<String, String> settings) {
            this(binaries, account, port, runDir, superuser, password, settings, null);
        }

        public Options withStartWait(Duration wait) {
            return new Options(binaries, account, port, runDir, superuser, password, settings, wait);
        }

        public Options withBinaries(PgBinaries other) {
            return new Options(other, account, port, runDir, superuser, password, settings, startWait);
        }

        public Options withPort(int otherPort) {
            return new Options(binaries, account, otherPort, runDir, superuser, password, settings, startWait);
        }

        public Options withSettings(Map<String, String> more) {
            Map<String, String> all = new LinkedHashMap<>(settings);
            all.putAll(more);
            return new Options(binaries, account, port, runDir, superuser, password, all, startWait);
        }

        /** Password hidden: these options end up in logs. */
        @Override
        public String toString() {
            return "Options[port=" + port + ", runDir=" + runDir + ", account=" + account.describe()
                    + ", superuser=" + superuser + ", settings=" + settings + "]";
        }
    }

    private final Path dataDir;
    private final Options options;
    private final Path logFile;
    private final long logOffset;
    private volatile boolean stopped;

    private LocalServer(Path dataDir, Options options, Path logFile, long logOffset) {
        this.dataDir = dataDir;
        this.options = options;
        this.logFile = logFile;
        this.logOffset = logOffset;
    }

    /**
     * Starts the server: returns at once (recovery may take hours; callers poll), or once it
     * accepts connections when {@link Options#startWait()} is set. Fails when a server already
     * runs on the data directory.
     */
    public static LocalServer start(Path dataDir, Options options) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path runDir = options.runDir().toAbsolutePath().normalize();
        if (UNSAFE_PATH.matcher(dir.toString()).find() || UNSAFE_PATH.matcher(runDir.toString()).find()) {
            throw new PgnestException(ErrorKind.USAGE, "paths with quotes, $, ` or backslashes cannot be used: " + dir + ", " + runDir,
                    "restore into a plainly named directory");
        }
        if (runDir.toString().length() > MAX_SOCKET_DIR) {
            throw new PgnestException(ErrorKind.CONFIG, "the run directory " + runDir + " is too long for a unix socket path",
                    "use a directory of at most " + MAX_SOCKET_DIR + " characters, e.g. under /tmp");
        }
        requireNotRunning(dir);
        Path logFile = runDir.resolve("postgresql.log");
        try {
            Files.createDirectories(runDir);
            Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
            if (!Files.exists(logFile)) {
                Files.createFile(logFile);
            }
            Files.deleteIfExists(dir.resolve("postmaster.pid"));
            // PostgreSQL refuses a data directory that others may read
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot prepare " + runDir + " for the server: " + e.getMessage(),
                    "check permissions of the run directory", e);
        }
        options.account().takeOwnership(dir);
        options.account().takeOwnership(runDir);
        long offset;
        try {
            offset = Files.size(logFile);
        } catch (IOException e) {
            offset = 0;
        }
        List<String> command = List.of(
                options.binaries().program("pg_ctl").toString(),
                "-D", dir.toString(),
                "-l", logFile.toString(),
                options.startWait() == null ? "-W" : "-w",
                "-t", Long.toString(options.startWait() == null ? 60 : Math.max(1, options.startWait().toSeconds())),
                "-o", postgresOptions(options),
                "start");
        if (options.startWait() == null) {
            // a restore's server: recovery may take long, the operator wants to know where it runs
            LOG.info("starting PostgreSQL on {} (port {}, as {})", dir, options.port(), options.account().describe());
        } else {
            LOG.debug("starting PostgreSQL on {} (port {}, as {})", dir, options.port(), options.account().describe());
        }
        Duration timeout = options.startWait() == null ? PG_CTL_TIMEOUT : options.startWait().plusSeconds(10);
        Result result = ChildProcess.run(options.account().wrap(command), Map.of(), runDir, timeout);
        LocalServer server = new LocalServer(dir, options, logFile, offset);
        if (result.exitCode() != 0) {
            throw new PgnestException(ErrorKind.DATABASE, "pg_ctl could not start PostgreSQL on " + dir + ": "
                    + result.output().strip().replaceAll("\\s*\\n\\s*", " / ") + server.logTailMessage(),
                    "fix what the server log says and run the restore again");
        }
        return server;
    }

    /** Refuses a data directory a live postmaster works on. */
    public static void requireNotRunning(Path dataDir) {
        readPid(dataDir).filter(LocalServer::isAlive).ifPresent(pid -> {
            throw new PgnestException(ErrorKind.USAGE, "PostgreSQL (pid " + pid + ") is running on " + dataDir,
                    "stop it first (pg_ctl stop -D " + dataDir + " -m fast); pgnest never restores into or starts a data directory in use");
        });
    }

    /**
     * {@code -c} options for pg_ctl's {@code -o}, which pg_ctl hands to {@code /bin/sh}: every
     * value is single-quoted for the shell, and names are checked.
     */
    public static String postgresOptions(Options options) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("port", Integer.toString(options.port()));
        all.put("unix_socket_directories", options.runDir().toAbsolutePath().normalize().toString());
        // the log must reach our -l file, in English, for pgnest to read what recovery did
        all.put("logging_collector", "off");
        all.put("lc_messages", "C");
        all.put("log_line_prefix", "%m [%p] ");
        all.putAll(options.settings());
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (!e.getKey().matches("[a-z_][a-z0-9_.]*")) {
                throw new IllegalArgumentException("not a setting name: " + e.getKey());
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("-c ").append(e.getKey()).append('=').append(shellQuote(e.getValue()));
        }
        return sb.toString();
    }

    private static String shellQuote(String value) {
        if (!value.isEmpty() && SAFE_VALUE.matcher(value).matches()) {
            return value;
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return options.port();
    }

    public Path socketDir() {
        return options.runDir().toAbsolutePath().normalize();
    }

    public Path logFile() {
        return logFile;
    }

    public Options options() {
        return options;
    }

    /** Whether the postmaster runs (its pid file names a live process). */
    public boolean isRunning() {
        return !stopped && readPid(dataDir).filter(LocalServer::isAlive).isPresent();
    }

    /** What the server logged since this start. */
    public String log() {
        try {
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.min(logOffset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Runs one query (one row, columns separated by {@code |}) over the socket; empty while the
     * server does not accept connections yet (starting up, not yet consistent).
     *
     * @throws PgnestException when the server answers with an error
     */
    public Optional<String> tryQuery(String sql) {
        return tryQuery("postgres", sql);
    }

    public Optional<String> tryQuery(String database, String sql) {
        List<String> command = List.of(
                options.binaries().program("psql").toString(),
                "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", socketDir().toString(),
                "-p", Integer.toString(options.port()),
                "-U", options.superuser(),
                "-d", database,
                "-c", sql);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGCONNECT_TIMEOUT", "10");
        if (options.password() != null) {
            env.put("PGPASSWORD", options.password());
        }
        // peer authentication sees the OS user psql runs as: run it as the server's user
        List<String> wrapped = options.account() instanceof ServerAccount.OsUser ? options.account().wrap(command) : command;
        Result result = ChildProcess.run(wrapped, env, socketDir(), Duration.ofSeconds(60));
        if (result.exitCode() == 0) {
            return Optional.of(result.stdout().strip());
        }
        String out = result.output();
        if (out.contains("could not connect") || out.contains("starting up") || out.contains("not yet accepting")
                || out.contains("shutting down") || out.contains("No such file or directory")
                || out.contains("Connection refused") || out.contains("consistent recovery state has not been yet reached")
                || out.contains("in recovery mode") || out.contains("closed the connection unexpectedly")
                || out.contains("terminating connection")) {
            return Optional.empty();
        }
        throw new PgnestException(ErrorKind.DATABASE, "query on the restored server (port " + options.port() + ") failed: "
                + out.strip(), "check the server log " + logFile);
    }

    /** Like {@link #tryQuery(String)}, failing when the server does not accept connections. */
    public String query(String sql) {
        return query("postgres", sql);
    }

    /** Like {@link #tryQuery(String, String)}, failing when the server does not accept connections. */
    public String query(String database, String sql) {
        return tryQuery(database, sql).orElseThrow(() -> new PgnestException(ErrorKind.DATABASE,
                "the restored server on port " + options.port() + " does not accept connections" + logTailMessage(),
                "check the server log " + logFile));
    }

    /** Clean shutdown ({@code -m fast}: a checkpoint, then exit); kills it when that fails. */
    public void stop() {
        stop("fast");
    }

    /** A crash ({@code -m immediate}: no shutdown checkpoint, the next start runs crash recovery); kills it when that fails. */
    public void crash() {
        stop("immediate");
    }

    private void stop(String mode) {
        if (stopped) {
            return;
        }
        Optional<Long> pid = readPid(dataDir);
        if (pid.filter(LocalServer::isAlive).isPresent()) {
            Result result = ChildProcess.run(options.account().wrap(List.of(
                    options.binaries().program("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-m", mode, "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()), "stop")), Map.of(),
                    socketDir(), PG_CTL_TIMEOUT.plusSeconds(10));
            if ((result.exitCode() != 0 || !awaitExit(pid.get(), Duration.ofSeconds(10))) && isAlive(pid.get())) {
                LOG.warn("pg_ctl stop failed ({}), killing postmaster {}", result.output().strip(), pid.get());
                ProcessHandle.of(pid.get()).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
            }
            if (!awaitExit(pid.get(), Duration.ofSeconds(30))) {
                throw new PgnestException(ErrorKind.TOOL, "postmaster " + pid.get() + " on " + dataDir + " survived SIGKILL",
                        "kill it by hand (kill -9 " + pid.get() + ")");
            }
        }
        if (mode.equals("immediate")) {
            // a killed postmaster leaves postmaster.pid behind; pg_ctl start copes, but be tidy
            try {
                Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
            } catch (IOException ignored) {
                // start copes with a stale one
            }
        }
        stopped = true;
    }

    /** Ends recovery of a standby ({@code pg_ctl promote -w}): it becomes a primary on a new timeline. */
    public void promote() {
        Result result = ChildProcess.run(options.account().wrap(List.of(
                options.binaries().program("pg_ctl").toString(), "-D", dataDir.toString(),
                "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()), "promote")), Map.of(),
                socketDir(), PG_CTL_TIMEOUT.plusSeconds(10));
        if (!result.ok()) {
            throw new PgnestException(ErrorKind.DATABASE, "pg_ctl could not promote the server on " + dataDir + ": "
                    + result.output().strip().replaceAll("\\s*\\n\\s*", " / ") + logTailMessage(),
                    "check the server log " + logFile);
        }
    }

    /** The postmaster's pid, or -1 when it does not run. */
    public long pid() {
        return stopped ? -1 : readPid(dataDir).filter(LocalServer::isAlive).orElse(-1L);
    }

    /**
     * Creates a cluster in {@code dataDir} (created when missing, handed to the account) with
     * {@code initdb -U superuser -E UTF8 --locale=C --no-sync} and the given extra arguments
     * (authentication, {@code --pwfile}, {@code --data-checksums}).
     *
     * @throws PgnestException (TOOL) with initdb's output when it fails
     */
    public static void initdb(PgBinaries binaries, ServerAccount account, Path dataDir, String superuser,
                              List<String> arguments) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create " + dataDir + ": " + e.getMessage(),
                    "make its parent a writable directory", e);
        }
        account.takeOwnership(dataDir);
        List<String> command = new ArrayList<>(List.of(binaries.program("initdb").toString(), "-D", dataDir.toString(),
                // inside a user namespace the OS user is "nobody"; name the superuser explicitly
                "-U", superuser, "-E", "UTF8", "--locale=C",
                // skips fsync of the freshly written files only; the server's fsync setting is its own
                "--no-sync"));
        command.addAll(arguments);
        Result result = ChildProcess.run(account.wrap(command), Map.of(), dataDir.getParent(), PG_CTL_TIMEOUT);
        if (!result.ok()) {
            throw new PgnestException(ErrorKind.TOOL, "initdb failed: " + result.output().strip(),
                    "check the PostgreSQL server programs (pg.bin-dir) and that " + dataDir.getParent() + " is writable");
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * The server log's telling line (its last FATAL/PANIC/ERROR, else its last line) for an
     * error message: one line, since errors are one line; the file holds the rest.
     */
    public String logTailMessage() {
        String log = log().strip();
        if (log.isEmpty()) {
            return "";
        }
        String[] lines = log.split("\n");
        String telling = lines[lines.length - 1];
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].contains("FATAL:") || lines[i].contains("PANIC:") || lines[i].contains("ERROR:")) {
                telling = lines[i];
                break;
            }
        }
        return " (server log " + logFile + ": " + telling.strip() + ")";
    }

    public static Optional<Long> readPid(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Alive and not a zombie: an exited postmaster reparented to an init that reaps slowly is dead. */
    public static boolean isAlive(long pid) {
        if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int afterName = stat.lastIndexOf(')');
            if (afterName < 0 || afterName + 2 >= stat.length()) {
                return true;
            }
            char state = stat.charAt(afterName + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(pid) && System.nanoTime() < deadline) {
            sleep(20);
        }
        return !isAlive(pid);
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted", "run the restore again");
        }
    }
}
