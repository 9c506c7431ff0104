package dev.pgnest.migrate;

import dev.pgnest.postgres.Databases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Prisma Migrate's {@code _prisma_migrations} table, written row for row as Prisma's schema
 * engine writes it (sql_migration_persistence.rs), so {@code prisma migrate status} and
 * {@code deploy} keep working on a database pgnest migrated: a uuid v4 id, the SHA-256 hex
 * checksum, client-side UTC timestamps, and the started / step / finished updates in that
 * order. It is the only history of a Prisma target; pgnest keeps no second one.
 */
final class PrismaHistory {
    static final String TABLE = Databases.PRISMA_TABLE;
    /** Prisma's advisory lock key: a pgnest deploy and a prisma deploy wait for each other. */
    static final long LOCK_KEY = 72707369L;

    /** Prisma's DDL for PostgreSQL (flavour/postgres.rs), so the table looks the same whoever made it. */
    private static final String CREATE = """
            CREATE TABLE %s (
                id                      VARCHAR(36) PRIMARY KEY NOT NULL,
                checksum                VARCHAR(64) NOT NULL,
                finished_at             TIMESTAMPTZ,
                migration_name          VARCHAR(255) NOT NULL,
                logs                    TEXT,
                rolled_back_at          TIMESTAMPTZ,
                started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
                applied_steps_count     INTEGER NOT NULL DEFAULT 0
            )""";

    /** One row. A row is applied when finished and not rolled back, failed when neither. */
    record Row(String id, String checksum, Instant finishedAt, String name, String logs, Instant rolledBackAt,
               Instant startedAt, int appliedStepsCount) {
        boolean applied() {
            return finishedAt != null && rolledBackAt == null;
        }

        boolean failed() {
            return finishedAt == null && rolledBackAt == null;
        }
    }

    /** The quoted, schema-qualified table. */
    private final String table;

    PrismaHistory(String qualifiedTable) {
        this.table = qualifiedTable;
    }

    static void create(Connection c, String qualifiedTable) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(CREATE.formatted(qualifiedTable));
        }
    }

    /** Every row, oldest attempt first. */
    List<Row> rows(Connection c) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, checksum, finished_at, migration_name,"
                + " logs, rolled_back_at, started_at, applied_steps_count FROM " + table + " ORDER BY started_at, migration_name")) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getString(2), instant(rs.getTimestamp(3)), rs.getString(4), rs.getString(5),
                        instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7)), rs.getInt(8)));
            }
        }
        return rows;
    }

    /** record_migration_started: before the script runs, so a crash leaves a failed row, as with Prisma. */
    String started(Connection c, String name, String checksum) throws SQLException {
        String id = UUID.randomUUID().toString();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, checksum);
            ps.setTimestamp(3, Timestamp.from(Instant.now()));
            ps.setString(4, name);
            ps.executeUpdate();
        }
        return id;
    }

    /** record_successful_step then record_migration_finished. */
    void finished(Connection c, String id) throws SQLException {
        update(c, "applied_steps_count = applied_steps_count + 1", id, null);
        update(c, "finished_at = ?", id, Timestamp.from(Instant.now()));
    }

    /** record_failed_step: finished_at stays null, which is what makes the row failed. */
    void failed(Connection c, String id, String logs) throws SQLException {
        update(c, "logs = ?", id, logs);
    }

    /** mark_migration_rolled_back_by_id. */
    void rolledBack(Connection c, String id) throws SQLException {
        update(c, "rolled_back_at = ?", id, Timestamp.from(Instant.now()));
    }

    /** mark_migration_applied: logs '' and one timestamp for start and finish, no steps counted. */
    String markedApplied(Connection c, String name, String checksum) throws SQLException {
        String id = UUID.randomUUID().toString();
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (id, checksum, logs, started_at, finished_at, migration_name) VALUES (?, ?, '', ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, checksum);
            ps.setTimestamp(3, now);
            ps.setTimestamp(4, now);
            ps.setString(5, name);
            ps.executeUpdate();
        }
        return id;
    }

    private void update(Connection c, String set, String id, Object value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET " + set + " WHERE id = ?")) {
            int i = 1;
            if (value != null) {
                ps.setObject(i++, value);
            }
            ps.setString(i, id);
            ps.executeUpdate();
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
