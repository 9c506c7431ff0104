package dev.pgnest.restore.logical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The databases of a logical restore, on the target's server. The dump is always restored into
 * a database of its own first; only a complete restore is renamed to the requested name, so a
 * failed restore never leaves a half-filled database under that name and {@code --replace}
 * keeps the old database until the new one is complete.
 */
final class DatabaseSwap implements AutoCloseable {
    private static final int MAX_NAME = 63;

    private final DatabaseConnection server;
    private final Connection maintenance;

    private DatabaseSwap(DatabaseConnection server, Connection maintenance) {
        this.server = server;
        this.maintenance = maintenance;
    }

    static DatabaseSwap open(DatabaseConnection server, String maintenanceDatabase) {
        return new DatabaseSwap(server, Databases.connect(server.withDatabase(maintenanceDatabase), "pgnest restore"));
    }

    /** The work database's name for {@code into}: recognisable, and ours to drop when a run failed. */
    static String workName(String into) {
        String suffix = "_pgnest_restoring";
        return (into.length() + suffix.length() > MAX_NAME ? into.substring(0, MAX_NAME - suffix.length()) : into) + suffix;
    }

    static String oldName(String into) {
        String suffix = "_pgnest_old";
        return (into.length() + suffix.length() > MAX_NAME ? into.substring(0, MAX_NAME - suffix.length()) : into) + suffix;
    }

    boolean exists(String database) {
        return owner(database).isPresent();
    }

    Optional<String> owner(String database) {
        try (PreparedStatement ps = maintenance.prepareStatement(
                "select pg_get_userbyid(datdba) from pg_database where datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("cannot look up database " + database, e);
        }
    }

    /** Creates the work database (dropping the leftover of an earlier failed run). */
    void createWork(String work, String owner) {
        dropIfExists(work);
        execute("create database " + quote(work) + " template template0"
                + (owner == null ? "" : " owner " + quote(owner)), "cannot create database " + work);
    }

    void dropIfExists(String database) {
        if (exists(database)) {
            disconnect(database);
            execute("drop database if exists " + quote(database), "cannot drop database " + database);
        }
    }

    /**
     * Puts the restored work database in place of {@code into}: the old one (if any) stops
     * taking connections, its sessions end, it is renamed away, the new one takes its name, and
     * only then is the old one dropped.
     */
    void swapIn(String work, String into) {
        if (!exists(into)) {
            execute("alter database " + quote(work) + " rename to " + quote(into), "cannot rename " + work + " to " + into);
            return;
        }
        String old = oldName(into);
        dropIfExists(old);
        disconnect(into);
        execute("alter database " + quote(into) + " rename to " + quote(old), "cannot rename " + into + " to " + old);
        try {
            execute("alter database " + quote(work) + " rename to " + quote(into), "cannot rename " + work + " to " + into);
        } catch (PgnestException e) {
            execute("alter database " + quote(old) + " rename to " + quote(into), "cannot rename " + old + " back to " + into);
            execute("alter database " + quote(into) + " allow_connections true", "cannot reopen " + into);
            throw e;
        }
        dropIfExists(old);
    }

    /** Closes the database to new sessions and ends the current ones (renames and drops need that). */
    private void disconnect(String database) {
        execute("alter database " + quote(database) + " allow_connections false", "cannot close database " + database);
        try (PreparedStatement ps = maintenance.prepareStatement(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            ps.execute();
        } catch (SQLException e) {
            throw failure("cannot end the sessions of database " + database, e);
        }
        // sessions take a moment to go; rename and drop fail while any remains
        for (int i = 0; i < 100 && sessions(database) > 0; i++) {
            sleep();
        }
    }

    private int sessions(String database) {
        try (PreparedStatement ps = maintenance.prepareStatement("select count(*) from pg_stat_activity where datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw failure("cannot count the sessions of database " + database, e);
        }
    }

    /** Number of ordinary tables outside the system schemas. */
    static long countTables(DatabaseConnection db) {
        try (Connection c = Databases.connect(db, "pgnest restore"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                     + "where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') "
                     + "and n.nspname not like 'pg_toast%'")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot count the tables of " + db + ": " + e.getMessage(),
                    "check the restored database");
        }
    }

    private void execute(String sql, String what) {
        try (Statement s = maintenance.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private PgnestException failure(String what, SQLException e) {
        return new PgnestException(ErrorKind.DATABASE, what + " on " + server.host() + ":" + server.port() + ": " + e.getMessage(),
                "the restoring user needs CREATEDB (and ownership of a database it replaces)", e);
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted", "run the restore again");
        }
    }

    @Override
    public void close() {
        try {
            maintenance.close();
        } catch (SQLException ignored) {
            // closing
        }
    }
}
