package dev.pgnest.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What pgnest reads from a running server that differs between clusters and majors, read one way. */
public final class ServerFacts {
    private ServerFacts() {
    }

    /**
     * {@code wal_segment_size} in bytes: chosen at initdb (1 MB to 1 GB), so never assumed to be
     * 16 MB. {@code pg_settings} gives it with its unit (bytes from PostgreSQL 11, 8 kB blocks before).
     */
    public static long walSegmentSize(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 "
                        + "WHEN '8kB' THEN 8192 ELSE 1 END FROM pg_settings WHERE name = 'wal_segment_size'")) {
            if (!rs.next()) {
                throw new SQLException("pg_settings has no wal_segment_size");
            }
            return rs.getLong(1);
        }
    }
}
