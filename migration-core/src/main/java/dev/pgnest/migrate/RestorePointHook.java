package dev.pgnest.migrate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The default pre-migration snapshot: a named restore point in the WAL, which PITR can stop
 * at ({@code recovery_target_name}). Instant, but only useful when WAL is archived; with
 * {@code wal_level = minimal}, on a standby, or without the privilege, PostgreSQL refuses and
 * the report says why instead of failing the deploy.
 */
public final class RestorePointHook implements PreMigrationHook {
    /** PostgreSQL's limit for restore point names (MAXFNAMELEN - 1). */
    static final int MAX_NAME = 63;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @Override
    public Snapshot beforeMigrate(Context context) throws SQLException {
        Instant now = Instant.now();
        String name = name(context.target().name(), context.firstPending(), now);
        Connection c = context.connection();
        // The deploy's connection may be inside the first migration's transaction: a failed
        // call must not leave it aborted.
        try {
            return PreMigrationHook.underSavepoint(c, () -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_restore_point(?)::text")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return new Snapshot("restore-point", name, rs.getString(1), context.schemaVersion(), now, null);
                    }
                }
            });
        } catch (SQLException e) {
            // 55000: wal_level minimal or recovery in progress; 42501: no privilege. Either way
            // there is nothing to roll back to, which the report must say plainly.
            if ("55000".equals(e.getSQLState()) || "42501".equals(e.getSQLState())) {
                return Snapshot.none("no restore point: " + firstLine(e.getMessage())
                        + " (needs wal_level replica or logical, a primary, and superuser or EXECUTE on pg_create_restore_point)",
                        context.schemaVersion());
            }
            throw e;
        }
    }

    static String name(String target, String firstPending, Instant at) {
        String name = "pgnest_" + target + "_before_v" + firstPending + "_" + STAMP.format(at);
        return name.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME);
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
