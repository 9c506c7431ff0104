package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.restore.report.ReportRecorder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a drill checks on the restored database: the migration version is the backup's, every
 * table can be read to the end (count(*) reads every page), and the operator's own SQL checks
 * hold (each must return true, a non-zero number or a non-empty value).
 */
final class DrillChecks {
    private DrillChecks() {
    }

    static void run(DatabaseConnection db, String expectedSchemaVersion, String flywayTable, List<String> sqlChecks,
                    ReportRecorder report) {
        try (Connection c = Databases.connect(db, "pgnest drill")) {
            Optional<String> version = Databases.schemaVersion(c, flywayTable);
            report.check("schema version", Optional.ofNullable(expectedSchemaVersion).equals(version),
                    expectedSchemaVersion == null ? "none" : expectedSchemaVersion, version.orElse("none"));
            for (String table : tables(c)) {
                report.check("rows in " + table, true, null, Long.toString(count(c, table)));
            }
            for (String sql : sqlChecks) {
                String value;
                boolean ok;
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                    value = rs.next() ? String.valueOf(rs.getObject(1)) : "no rows";
                    ok = holds(value);
                } catch (SQLException e) {
                    value = "error: " + e.getMessage();
                    ok = false;
                }
                report.check(sql, ok, "true", value);
            }
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "checking the restored database " + db + " failed: " + e.getMessage(),
                    "the restore produced a database that cannot be read; see the drill report");
        }
    }

    static boolean holds(String value) {
        if (value == null || value.equals("null") || value.equals("no rows") || value.isBlank()) {
            return false;
        }
        if (value.equalsIgnoreCase("false") || value.equalsIgnoreCase("f")) {
            return false;
        }
        try {
            return new java.math.BigDecimal(value).signum() != 0;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c "
                        + "join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') "
                        + "and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' "
                        + "order by 1")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
