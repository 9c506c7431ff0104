package dev.pgnest.seed;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.postgresql.PGConnection;

/**
 * Content checksums of tables, to prove that two databases hold the same rows (a seed run
 * twice, a restore against its original).
 *
 * <p>Each table is read with {@code COPY (SELECT * ... ORDER BY <primary key>) TO STDOUT}
 * and the bytes go through SHA-256 as they arrive, so a table of any size is hashed in
 * constant memory (a {@code string_agg} would hit the 1 GB text limit). Output that depends
 * on session settings (time zone, date style, float digits) is pinned for the read, and all
 * tables are read from one REPEATABLE READ snapshot. Tables without a primary key are
 * ordered by their whole row's text, which is slower but still deterministic.
 */
public final class TableChecksums {

    /** Flyway's history table holds install times and durations, which differ per run. */
    public static final String FLYWAY_HISTORY_TABLE = "flyway_schema_history";

    private TableChecksums() {
    }

    /** One table's row count and SHA-256 of its rows in primary key order. */
    public record TableChecksum(String table, long rows, String sha256) {
    }

    /** Every ordinary table outside the system schemas, keyed by {@code schema.table}. */
    public static Map<String, TableChecksum> compute(Connection connection) throws SQLException {
        return compute(connection, table -> true);
    }

    /**
     * Every ordinary table outside the system schemas whose {@code schema.table} name passes
     * {@code include}, keyed and sorted by that name.
     */
    public static Map<String, TableChecksum> compute(Connection connection, Predicate<String> include)
            throws SQLException {
        return withPinnedSnapshot(connection, () -> {
            Map<String, TableChecksum> result = new LinkedHashMap<>();
            for (String table : listTables(connection)) {
                if (include.test(table)) {
                    result.put(table, checksumOf(connection, table));
                }
            }
            return result;
        });
    }

    /** Tables other than Flyway's history table: the application's data. */
    public static Map<String, TableChecksum> computeData(Connection connection) throws SQLException {
        return compute(connection, table -> !table.endsWith("." + FLYWAY_HISTORY_TABLE));
    }

    /** One table, named {@code schema.table} or just {@code table} (resolved on the search path). */
    public static TableChecksum compute(Connection connection, String table) throws SQLException {
        return withPinnedSnapshot(connection, () -> checksumOf(connection, table));
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private static <T> T withPinnedSnapshot(Connection connection, SqlWork<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        int isolation = connection.getTransactionIsolation();
        if (autoCommit) {
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setAutoCommit(false);
        }
        // Inside a caller's transaction, a savepoint rolled back at the end undoes the SET LOCALs.
        Savepoint savepoint = autoCommit ? null : connection.setSavepoint();
        try {
            try (Statement st = connection.createStatement()) {
                st.execute("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD';"
                        + " SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3;"
                        + " SET LOCAL bytea_output = 'hex'");
            }
            return work.run();
        } finally {
            if (autoCommit) {
                connection.rollback();
                connection.setAutoCommit(true);
                connection.setTransactionIsolation(isolation);
            } else {
                connection.rollback(savepoint);
                connection.releaseSavepoint(savepoint);
            }
        }
    }

    private static List<String> listTables(Connection connection) throws SQLException {
        String sql = """
                SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                ORDER BY 1""";
        List<String> tables = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static TableChecksum checksumOf(Connection connection, String name) throws SQLException {
        String table = qualifiedName(connection, name);
        String orderBy = primaryKeyOrder(connection, table);
        String copy = "COPY (SELECT * FROM " + table + " t ORDER BY " + orderBy + ") TO STDOUT";
        HashingStream out = new HashingStream();
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copy, out);
        } catch (IOException e) {
            throw new SQLException("reading " + table + " for its checksum failed: " + e.getMessage(), e);
        }
        return new TableChecksum(table, out.rows, HexFormat.of().formatHex(out.digest.digest()));
    }

    private static String qualifiedName(Connection connection, String name) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::regclass")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String primaryKeyOrder(Connection connection, String table) throws SQLException {
        String sql = """
                SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = ?::regclass AND i.indisprimary""";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                String columns = rs.next() ? rs.getString(1) : null;
                // Without a key, the row's text is a total order over any column types.
                return columns == null ? "t::text" : columns;
            }
        }
    }

    /** COPY's text format ends every row with one newline (embedded ones are escaped). */
    private static final class HashingStream extends OutputStream {
        private final MessageDigest digest;
        private long rows;

        HashingStream() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JVM", e);
            }
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
            if (b == '\n') {
                rows++;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    rows++;
                }
            }
        }
    }
}
