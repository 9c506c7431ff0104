package dev.pgnest.postgres;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot exported ({@code pg_export_snapshot()}) by a psql session that holds its transaction
 * open until {@link #close()}, for pg_dump ({@code --snapshot}) and a JDBC transaction
 * ({@link #importInto}) to see the very same data.
 *
 * <p>Why psql, when pgnest connects over JDBC everywhere else: psql connects in milliseconds,
 * as pg_dump does, with the same libpq environment, where a JVM's first JDBC connection (driver
 * loading, SCRAM's key derivation before the JIT has compiled it, the first queries) takes about
 * half a second. pg_dump can start as soon as the snapshot exists, while the JDBC connection
 * is still being made.
 */
public final class ExportedSnapshot implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportedSnapshot.class);
    /** What pg_export_snapshot() returns, e.g. 00000003-0000001B-1: checked before it goes into SQL. */
    private static final Pattern ID = Pattern.compile("[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+");

    private final ChildProcess.Running psql;
    private final String id;
    private final int serverVersionNum;
    private final String serverVersion;

    private ExportedSnapshot(ChildProcess.Running psql, String id, int serverVersionNum, String serverVersion) {
        this.psql = psql;
        this.id = id;
        this.serverVersionNum = serverVersionNum;
        this.serverVersion = serverVersion;
    }

    /**
     * Exports a snapshot in a repeatable-read transaction of {@code psql}, connected with the
     * libpq {@code environment} (PGHOST, PGPASSWORD…). Empty when that cannot be done (psql
     * cannot connect, a standby before PostgreSQL 10, a pooler that refuses): the caller then
     * takes the slower way, whose errors say what is wrong.
     */
    public static Optional<ExportedSnapshot> export(Path psql, Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.putIfAbsent("PGCONNECT_TIMEOUT", Integer.toString(Databases.CONNECT_TIMEOUT_SECONDS));
        ChildProcess.Running process;
        try {
            // -w: never prompt for a password on the terminal (as pg_dump's --no-password)
            process = ChildProcess.start(List.of(psql.toString(), "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"),
                    env, null, ChildProcess.Stdin.PIPE, ChildProcess.Stdout.PIPE, 4096);
        } catch (IOException e) {
            LOG.debug("cannot start {}: {}", psql, e.getMessage());
            return Optional.empty();
        }
        try {
            OutputStream in = process.stdin();
            in.write(("begin transaction isolation level repeatable read, read only;\n"
                    + "select pg_export_snapshot() || ' ' || current_setting('server_version_num') || ' '"
                    + " || current_setting('server_version');\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            // the one line the select prints; end of output when psql failed and exited
            String line = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8)).readLine();
            String[] fields = line == null ? new String[0] : line.strip().split(" ", 3);
            if (fields.length < 3 || !ID.matcher(fields[0]).matches() || !fields[1].matches("[0-9]+")) {
                process.close();
                LOG.debug("psql exported no snapshot ({}): {}", line, process.stderrLine());
                return Optional.empty();
            }
            return Optional.of(new ExportedSnapshot(process, fields[0], Integer.parseInt(fields[1]), fields[2]));
        } catch (IOException | RuntimeException e) {
            process.close();
            LOG.debug("psql exported no snapshot: {} {}", e.getMessage(), process.stderrLine());
            return Optional.empty();
        }
    }

    /** The snapshot's identifier, for {@code pg_dump --snapshot}. */
    public String id() {
        return id;
    }

    /** The server's version, as server_version_num (150018). */
    public int serverVersionNum() {
        return serverVersionNum;
    }

    /** The server's version as it names itself (15.18 (Debian 15.18-1.pgdg120+1)). */
    public String serverVersion() {
        return serverVersion;
    }

    /**
     * Makes {@code connection}'s next transaction see this snapshot: a repeatable-read
     * transaction whose first statement imports it. The caller ends that transaction.
     */
    public void importInto(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = connection.createStatement()) {
            s.execute("set transaction snapshot '" + id + "'");
        }
    }

    /** Ends the exporting transaction (psql rolls back on the end of its input) and psql with it. */
    @Override
    public void close() {
        try {
            psql.stdin().close();
            if (psql.waitFor(Duration.ofSeconds(5)).isEmpty()) {
                LOG.debug("psql holding snapshot {} did not exit, killed", id);
            }
        } catch (IOException e) {
            psql.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            psql.close();
        }
    }
}
