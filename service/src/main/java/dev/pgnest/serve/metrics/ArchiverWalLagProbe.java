package dev.pgnest.serve.metrics;

import java.util.Map;
import dev.pgnest.postgres.Databases;
import dev.pgnest.config.DatabaseConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * WAL archive lag as the server sees it: the segment being written ({@code pg_current_wal_lsn})
 * against the last one {@code archive_command} stored ({@code pg_stat_archiver}). Works with any
 * archive_command, pgnest's or not, and needs no privilege beyond connecting.
 */
public final class ArchiverWalLagProbe implements WalLagProbe {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final String SQL = "SELECT pg_is_in_recovery(), current_setting('archive_mode'),"
            + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
            + " CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END,"
            + " a.last_archived_wal, a.last_archived_time, a.last_failed_time, now(), pg_postmaster_start_time()"
            + " FROM pg_stat_archiver a";

    private final DatabaseConnection connection;

    public ArchiverWalLagProbe(DatabaseConnection connection) {
        this.connection = connection;
    }

    @Override
    public Optional<WalLag> measure() throws SQLException {
        try (Connection c = Databases.open(connection, "pgnest serve", Map.of("connectTimeout", "5", "socketTimeout", "10"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(SQL)) {
            rs.next();
            if (rs.getBoolean(1) || "off".equals(rs.getString(2))) {
                return Optional.empty();
            }
            long segmentSize = rs.getLong(3);
            String current = rs.getString(4);
            String lastArchived = rs.getString(5);
            Instant lastArchivedTime = instant(rs.getTimestamp(6));
            Instant lastFailedTime = instant(rs.getTimestamp(7));
            Instant now = instant(rs.getTimestamp(8));
            Instant started = instant(rs.getTimestamp(9));
            long currentSegno = segno(current, segmentSize);
            long segments;
            Instant waitingSince;
            if (lastArchived != null && SEGMENT.matcher(lastArchived.substring(0, Math.min(24, lastArchived.length()))).matches()) {
                // a .backup label names the segment it belongs to, which is itself archived
                segments = Math.max(0, currentSegno - segno(lastArchived.substring(0, 24), segmentSize) - 1);
                waitingSince = lastArchivedTime;
            } else {
                // nothing archived yet (or only a .history file): every completed segment waits
                segments = Math.max(0, currentSegno - 1);
                waitingSince = lastArchivedTime != null ? lastArchivedTime : started;
            }
            Duration age = segments == 0 ? Duration.ZERO : Duration.between(waitingSince, now);
            boolean failing = lastFailedTime != null && (lastArchivedTime == null || lastFailedTime.isAfter(lastArchivedTime));
            return Optional.of(new WalLag(segments, age.isNegative() ? Duration.ZERO : age, lastArchived,
                    lastArchivedTime, failing, now));
        }
    }

    /** The segment number of a WAL file name: log id × segments per log id + segment, timeline ignored. */
    static long segno(String walFile, long segmentSize) {
        long log = Long.parseLong(walFile.substring(8, 16), 16);
        long seg = Long.parseLong(walFile.substring(16, 24), 16);
        return log * (0x1_0000_0000L / segmentSize) + seg;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
