package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.restore.report.ReportRecorder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a drill checks on the restored database: the migration version is the backup's, every
 * table can be read to the end (count(*) reads every page), and the operator's own SQL checks
 * hold (each must return true, a non-zero number or a non-empty value).
 */
final class DrillChecks {

    /** Runs one query and returns the first column of the first row ("no rows" when there is none). */
    interface Sql {
        String first(String sql) throws Exception;
    }

    private DrillChecks() {
    }

    /** Over JDBC (a restored database on a server that takes our credentials). */
    static void run(DatabaseConnection db, String expectedSchemaVersion, String flywayTable, List<String> sqlChecks,
                    ReportRecorder report) {
        try (Connection c = Databases.connect(db, "pgnest drill")) {
            run(sql -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                    return rs.next() ? String.valueOf(rs.getObject(1)) : "no rows";
                }
            }, true, expectedSchemaVersion, flywayTable, sqlChecks, report);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot connect to the restored database " + db + ": " + e.getMessage(),
                    "see the drill report");
        }
    }

    /**
     * Over the unix socket of a server pgnest started (a recovered cluster: production's
     * pg_hba, no password needed). Recovered to the end of the archive, the schema version is
     * whatever the database had then: it is reported, not compared.
     */
    static void run(LocalServer server, String database, String flywayTable, List<String> sqlChecks, ReportRecorder report) {
        run(sql -> {
            String out = server.query(database, sql);
            return out.isEmpty() ? "null" : out.lines().findFirst().orElse("no rows");
        }, false, null, flywayTable, sqlChecks, report);
    }

    static void run(Sql sql, boolean compareVersion, String expectedSchemaVersion, String flywayTable, List<String> sqlChecks,
                    ReportRecorder report) {
        try {
            Optional<String> version = schemaVersion(sql, flywayTable);
            report.check("schema version", !compareVersion || Optional.ofNullable(expectedSchemaVersion).equals(version),
                    compareVersion ? (expectedSchemaVersion == null ? "none" : expectedSchemaVersion) : null,
                    version.orElse("none"));
            String tables = sql.first("select coalesce(string_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname), ' ' "
                    + "order by n.nspname, c.relname), '') from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    + "where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') "
                    + "and n.nspname not like 'pg_toast%'");
            for (String table : tables.isBlank() || tables.equals("null") ? List.<String>of() : Arrays.asList(tables.split(" "))) {
                report.check("rows in " + table, true, null, sql.first("select count(*) from " + table));
            }
        } catch (PgnestException e) {
            throw e;
        } catch (Exception e) {
            throw new PgnestException(ErrorKind.DATABASE, "reading the restored database failed: " + e.getMessage(),
                    "the restore produced a database that cannot be read; see the drill report");
        }
        for (String check : sqlChecks) {
            String value;
            boolean ok;
            try {
                value = sql.first(check);
                ok = holds(value);
            } catch (Exception e) {
                value = "error: " + e.getMessage();
                ok = false;
            }
            report.check(check, ok, "true", value);
        }
    }

    private static Optional<String> schemaVersion(Sql sql, String flywayTable) throws Exception {
        if (!exists(sql, flywayTable)) {
            // a Prisma target's version lives in _prisma_migrations, as its backups recorded it
            if (!exists(sql, Databases.PRISMA_TABLE)) {
                return Optional.empty();
            }
            String version = sql.first(Databases.prismaSchemaVersionQuery(Databases.PRISMA_TABLE));
            return version == null || version.isBlank() || version.equals("null") || version.equals("no rows")
                    ? Optional.empty() : Optional.of(version);
        }
        String versions = sql.first("select coalesce(string_agg(version, ' '), '') from " + flywayTable
                + " where success and version is not null");
        return versions.isBlank() || versions.equals("null") ? Optional.empty()
                : Arrays.stream(versions.split(" ")).max(Databases.SCHEMA_VERSION_ORDER);
    }

    private static boolean exists(Sql sql, String table) throws Exception {
        String exists = sql.first("select (to_regclass('" + table.replace("'", "''") + "') is not null)::text");
        return exists.equals("true") || exists.equals("t");
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
}
