package dev.pgnest.backup.physical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.ServerFacts;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalSegment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-exclusive base backup in progress: {@code pg_backup_start} … {@code pg_backup_stop}
 * ({@code pg_start_backup}/{@code pg_stop_backup} before PostgreSQL 15) on one connection that
 * stays open for the whole backup. PostgreSQL ties a non-exclusive backup to its session:
 * if the connection drops, the server aborts the backup, so {@link #close()} without
 * {@link #stop()} is how a failed backup is abandoned.
 */
public final class BackupSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupSession.class);
    private static final Pattern LABEL_TIMELINE = Pattern.compile("(?m)^START TIMELINE: (\\d+)$");
    private static final Pattern LABEL_START = Pattern.compile("(?m)^START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+) \\(file ([0-9A-F]{24})\\)$");

    private final Connection connection;
    private final String where;
    private final BackupStart start;
    private BackupStop stop;

    /** What the server said when the backup started, and facts about the cluster. */
    public record BackupStart(Lsn lsn, int timeline, WalSegment segment, String segmentName, Instant time,
                              long systemIdentifier, long segmentSize, int serverVersionNum, String serverVersion,
                              String dataDirectory, boolean dataChecksums) {
    }

    /**
     * What {@code pg_backup_stop} returned: the stop location and the two files that must be
     * restored with the data files ({@code backup_label}; {@code tablespace_map}, empty when
     * there are no tablespaces).
     */
    public record BackupStop(Lsn lsn, int timeline, WalSegment segment, String segmentName, Instant time,
                             String backupLabel, String tablespaceMap) {
    }

    private BackupSession(Connection connection, String where, BackupStart start) {
        this.connection = connection;
        this.where = where;
        this.start = start;
    }

    /**
     * Connects and starts the backup. {@code fastCheckpoint} asks for an immediate checkpoint
     * (I/O burst, quick start) instead of a spread one (gentle, may take checkpoint_timeout).
     */
    public static BackupSession start(DatabaseConnection db, String label, boolean fastCheckpoint) {
        Connection c = connect(db);
        try {
            try (Statement s = c.createStatement()) {
                // the backup may take hours: no server-side timeout may cut the session
                s.execute("SET statement_timeout = 0");
                s.execute("SET idle_in_transaction_session_timeout = 0");
                s.execute("SET application_name = 'pgnest backup physical'");
            }
            int versionNum = Integer.parseInt(queryString(c, "SHOW server_version_num"));
            if (versionNum < 90600) {
                throw new PgnestException(ErrorKind.DATABASE, "PostgreSQL " + queryString(c, "SHOW server_version")
                        + " on " + db + " is too old for a non-exclusive base backup",
                        "pgnest needs PostgreSQL 9.6 or newer");
            }
            String serverVersion = queryString(c, "SHOW server_version");
            long segmentSize = ServerFacts.walSegmentSize(c);
            long sysid = Long.parseLong(queryString(c, "SELECT system_identifier FROM pg_control_system()"));
            String dataDirectory = queryString(c, "SELECT setting FROM pg_settings WHERE name = 'data_directory'");
            boolean checksums = "on".equals(queryString(c, "SHOW data_checksums"));

            String sql = versionNum >= 150000 ? "SELECT pg_backup_start(?, ?)" : "SELECT pg_start_backup(?, ?, false)";
            Lsn lsn;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, label);
                ps.setBoolean(2, fastCheckpoint);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    lsn = Lsn.parse(rs.getString(1));
                }
            }
            Instant time = Instant.now();
            // the checkpoint pg_backup_start just completed carries the timeline the backup starts on
            int timeline = Integer.parseInt(queryString(c, "SELECT timeline_id FROM pg_control_checkpoint()"));
            WalSegment segment = WalSegment.containing(timeline, lsn, segmentSize);
            BackupStart start = new BackupStart(lsn, timeline, segment, segment.name(segmentSize), time, sysid,
                    segmentSize, versionNum, serverVersion, dataDirectory, checksums);
            LOG.info("base backup started on {} at {} (timeline {}, segment {})", db, lsn, timeline, start.segmentName());
            return new BackupSession(c, db.toString(), start);
        } catch (SQLException e) {
            closeQuietly(c);
            throw failure("start a base backup", db.toString(), e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    public BackupStart startPoint() {
        return start;
    }

    /**
     * Ends the backup. Does not wait for the server to archive the last segment (PostgreSQL's
     * wait only sees archive_command's exit status): the caller waits for the segment in the
     * repository instead, which also works when WAL arrives by streaming.
     */
    public BackupStop stop() {
        if (stop != null) {
            return stop;
        }
        String sql = start.serverVersionNum() >= 150000
                ? "SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(false)"
                : "SELECT lsn, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            Lsn lsn = Lsn.parse(rs.getString(1));
            String label = rs.getString(2);
            String map = rs.getString(3) == null ? "" : rs.getString(3);
            checkLabel(label);
            int timeline = start.timeline();
            WalSegment segment = WalSegment.endingAt(timeline, lsn, start.segmentSize());
            stop = new BackupStop(lsn, timeline, segment, segment.name(start.segmentSize()), Instant.now(), label, map);
            LOG.info("base backup stopped at {} (segment {})", lsn, stop.segmentName());
            return stop;
        } catch (SQLException e) {
            throw failure("stop the base backup", where, e);
        }
    }

    /** The session connection, for queries that must run while the backup is open. */
    Connection connection() {
        return connection;
    }

    /** Closes the session; a backup not yet stopped is aborted by the server. */
    @Override
    public void close() {
        if (stop == null) {
            LOG.warn("base backup on {} abandoned before pg_backup_stop; the server discards it", where);
        }
        closeQuietly(connection);
    }

    /** The label must describe the backup this session started, or the files would not match. */
    private void checkLabel(String label) {
        Matcher tli = LABEL_TIMELINE.matcher(label);
        Matcher startLoc = LABEL_START.matcher(label);
        if (!tli.find() || !startLoc.find()) {
            throw new PgnestException(ErrorKind.DATABASE, "the server returned a backup_label without start location or timeline",
                    "report this with the server version (" + start.serverVersion() + ")");
        }
        if (Integer.parseInt(tli.group(1)) != start.timeline() || !Lsn.parse(startLoc.group(1)).equals(start.lsn())) {
            throw new PgnestException(ErrorKind.DATABASE, "backup_label says the backup started at " + startLoc.group(1)
                    + " on timeline " + tli.group(1) + ", not at " + start.lsn() + " on timeline " + start.timeline(),
                    "the server was promoted or restarted during the backup; take the backup again");
        }
    }

    static Connection connect(DatabaseConnection db) {
        try {
            return Databases.open(db, "pgnest", Map.of());
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot connect to " + db + ": " + e.getMessage(),
                    "check the target's url, user and password (PGNEST_DATABASE_URL, PGNEST_DB_PASSWORD)", e);
        }
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static PgnestException failure(String what, String where, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String hint = switch (state) {
            case "42501" -> "the user needs the right to run the backup functions: GRANT EXECUTE ON FUNCTION "
                    + "pg_backup_start(text, boolean), pg_backup_stop(boolean) TO <user> (or use a superuser)";
            case "55000" -> "set wal_level = replica (or logical) in postgresql.conf and restart the server";
            default -> "check the server log of " + where;
        };
        return new PgnestException(ErrorKind.DATABASE, "cannot " + what + " on " + where + ": " + e.getMessage(), hint, e);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the session is gone either way; the server aborts an unfinished backup
        }
    }
}
