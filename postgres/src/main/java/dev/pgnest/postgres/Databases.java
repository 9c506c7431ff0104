package dev.pgnest.postgres;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGProperty;

/** JDBC access to a target: connecting, and the facts a backup manifest records. */
public final class Databases {
    /** Flyway's default history table. */
    public static final String FLYWAY_TABLE = "flyway_schema_history";
    /** Prisma Migrate's history table: a target adopted as a Prisma project keeps it. */
    public static final String PRISMA_TABLE = "_prisma_migrations";

    /** How long {@link #connect} (and psql beside it, {@link ExportedSnapshot}) waits for a target to answer. */
    static final int CONNECT_TIMEOUT_SECONDS = 15;

    private Databases() {
    }

    /** Opens a connection; the password goes in properties, never in the URL or a message. */
    public static Connection connect(DatabaseConnection db, String applicationName) {
        try {
            return open(db, applicationName, Map.of("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS)));
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot connect to " + db + ": " + e.getMessage(),
                    "check the target's url, user and password (PGNEST_DB_PASSWORD), and that the server accepts connections");
        }
    }

    /**
     * Opens a connection to a target with driver {@code properties} (connectTimeout,
     * socketTimeout…); SQL errors are the caller's to word.
     */
    public static Connection open(DatabaseConnection db, String applicationName, Map<String, String> properties)
            throws SQLException {
        return open(db.jdbcUrl(), db.user(), db.password(), applicationName, properties);
    }

    /**
     * A physical replication connection ({@code replication=true}: IDENTIFY_SYSTEM,
     * START_REPLICATION, pgjdbc's replication API), for streaming WAL.
     */
    public static Connection openReplication(DatabaseConnection db, String applicationName, int connectTimeoutSeconds)
            throws SQLException {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(PGProperty.REPLICATION.getName(), "true");
        props.put(PGProperty.ASSUME_MIN_SERVER_VERSION.getName(), "9.6");
        props.put(PGProperty.PREFER_QUERY_MODE.getName(), "simple");
        props.put(PGProperty.CONNECT_TIMEOUT.getName(), Integer.toString(connectTimeoutSeconds));
        return open(db, applicationName, props);
    }

    /**
     * The one place pgnest opens a JDBC connection. {@code user}, {@code password} and
     * {@code applicationName} may be null (the URL or the driver's defaults then decide); the
     * password goes in properties, never in the URL.
     */
    public static Connection open(String jdbcUrl, String user, String password, String applicationName,
                                  Map<String, String> properties) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        if (applicationName != null) {
            props.setProperty("ApplicationName", applicationName);
        }
        properties.forEach(props::setProperty);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /**
     * The server a backup is taken from.
     *
     * @param systemIdentifier null when the role may not read pg_control_system()
     */
    public record ServerInfo(String version, int versionNum, String systemIdentifier, String database,
                             long databaseSize) {
    }

    public static ServerInfo serverInfo(Connection c) throws SQLException {
        String version;
        int versionNum;
        String database;
        long size;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_setting('server_version'), "
                     + "current_setting('server_version_num')::int, current_database(), "
                     + "pg_database_size(current_database())")) {
            rs.next();
            version = rs.getString(1);
            versionNum = rs.getInt(2);
            database = rs.getString(3);
            size = rs.getLong(4);
        }
        return new ServerInfo(version, versionNum, systemIdentifier(c), database, size);
    }

    private static String systemIdentifier(Connection c) {
        String sql = "select system_identifier::text from pg_control_system()";
        try (Statement s = c.createStatement()) {
            boolean inTransaction = !c.getAutoCommit();
            if (inTransaction) {
                // the function may be denied to non-superusers; keep the transaction usable
                s.execute("savepoint pgnest_probe");
            }
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                String id = rs.getString(1);
                if (inTransaction) {
                    s.execute("release savepoint pgnest_probe");
                }
                return id;
            } catch (SQLException e) {
                if (inTransaction) {
                    s.execute("rollback to savepoint pgnest_probe");
                }
                return null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    /**
     * The schema version Flyway has applied: the highest successful versioned migration in
     * {@code table}, looked up in the schemas of the search path first, then any schema.
     * Without that table, a Prisma project's version from {@code _prisma_migrations}; empty
     * when there is neither.
     */
    public static Optional<String> schemaVersion(Connection c, String table) throws SQLException {
        String schema = schemaOf(c, table);
        if (schema == null) {
            return prismaSchemaVersion(c);
        }
        List<String> versions = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select version from " + quote(schema) + "." + quote(table)
                     + " where success and version is not null")) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        return versions.stream().max(SCHEMA_VERSION_ORDER);
    }

    /**
     * A Prisma Migrate project's version: the timestamp of the last applied migration in
     * Prisma's order (names sorted as strings), so {@code --before-migration 20240102120000}
     * finds the backups taken before it. Rolled-back and failed attempts do not count.
     */
    private static Optional<String> prismaSchemaVersion(Connection c) throws SQLException {
        String schema = schemaOf(c, PRISMA_TABLE);
        if (schema == null) {
            return Optional.empty();
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(prismaSchemaVersionQuery(quote(schema) + "." + quote(PRISMA_TABLE)))) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    /** A Prisma migration's version in SQL: the timestamp its name starts with. */
    private static final String PRISMA_VERSION = "coalesce(substring(migration_name from '^([0-9]+)_'), migration_name)";

    /** The query for a Prisma project's schema version in {@code qualifiedTable} (one row, or none). */
    public static String prismaSchemaVersionQuery(String qualifiedTable) {
        return "select " + PRISMA_VERSION + " from " + qualifiedTable
                + " where finished_at is not null and rolled_back_at is null order by migration_name collate \"C\" desc limit 1";
    }

    /** When a migration finished and how long it ran. */
    public record MigrationRun(Instant finishedAt, Duration duration) {
    }

    /**
     * When migration {@code version} was applied, from Flyway's {@code table}, or without it
     * from Prisma's {@code _prisma_migrations}; empty when neither records it.
     */
    public static Optional<MigrationRun> migrationRun(Connection c, String table, String version) throws SQLException {
        String flyway = schemaOf(c, table);
        String prisma = flyway == null ? schemaOf(c, PRISMA_TABLE) : null;
        String sql;
        if (flyway != null) {
            sql = "select installed_on, execution_time from " + quote(flyway) + "." + quote(table)
                    + " where version = ? and success order by installed_rank desc limit 1";
        } else if (prisma != null) {
            sql = "select finished_at, (extract(epoch from finished_at - started_at) * 1000)::bigint from " + quote(prisma) + "."
                    + quote(PRISMA_TABLE) + " where " + PRISMA_VERSION + " = ? and finished_at is not null and rolled_back_at is null"
                    + " order by started_at desc limit 1";
        } else {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new MigrationRun(rs.getTimestamp(1).toInstant(), Duration.ofMillis(rs.getLong(2))))
                        : Optional.empty();
            }
        }
    }

    private static String schemaOf(Connection c, String table) throws SQLException {
        String schema = null;
        try (PreparedStatement ps = c.prepareStatement(
                "select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        + "where c.relname = ? and c.relkind in ('r', 'p') "
                        + "order by array_position(current_schemas(false), n.nspname::name) nulls last, n.nspname "
                        + "limit 1")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    schema = rs.getString(1);
                }
            }
        }
        return schema;
    }

    /** Flyway's version order: dot-separated numbers compared numerically (1.10 after 1.9). */
    public static final Comparator<String> SCHEMA_VERSION_ORDER = (a, b) -> {
        String[] x = a.replace('_', '.').split("\\.");
        String[] y = b.replace('_', '.').split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            BigInteger p = i < x.length ? number(x[i]) : BigInteger.ZERO;
            BigInteger q = i < y.length ? number(y[i]) : BigInteger.ZERO;
            int cmp = p.compareTo(q);
            if (cmp != 0) {
                return cmp;
            }
        }
        return 0;
    };

    private static BigInteger number(String part) {
        try {
            return new BigInteger(part.strip());
        } catch (NumberFormatException e) {
            return BigInteger.ZERO;
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
