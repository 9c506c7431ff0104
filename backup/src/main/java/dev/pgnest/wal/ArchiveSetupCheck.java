package dev.pgnest.wal;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.postgres.PostgresMajors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pgnest check}: do the target's settings and the repository work together? Reads the
 * archiving settings, then proves the whole path by forcing a WAL switch and waiting for the
 * switched segment to arrive in the archive.
 */
public final class ArchiveSetupCheck {

    public enum Status {
        OK, WARNING, FAILED
    }

    /** One finding: what was checked, its status, what was seen, and the fix. */
    public record Finding(String check, Status status, String detail, String hint) {
    }

    /** All findings; the worst status decides the exit code. */
    public record Report(List<Finding> findings) {
        public Status worst() {
            return findings.stream().map(Finding::status).max(Enum::compareTo).orElse(Status.OK);
        }
    }

    private ArchiveSetupCheck() {
    }

    /**
     * @param streamSlot the slot of the {@code wal stream} that feeds the archive, or null when
     *                   archive_command does (then archive_mode may be off)
     */
    public static Report run(DatabaseConnection db, WalArchive archive, Duration timeout, String streamSlot) {
        boolean expectStreaming = streamSlot != null;
        List<Finding> findings = new ArrayList<>();
        try (Connection c = connect(db)) {
            findings.add(serverVersion(setting(c, "server_version"), Integer.parseInt(setting(c, "server_version_num"))));
            String walLevel = setting(c, "wal_level");
            findings.add(walLevel.equals("minimal")
                    ? new Finding("wal_level", Status.FAILED, "wal_level = minimal", "set wal_level = replica in postgresql.conf and restart the server")
                    : new Finding("wal_level", Status.OK, "wal_level = " + walLevel, ""));
            String archiveMode = setting(c, "archive_mode");
            String archiveCommand = setting(c, "archive_command");
            if (!expectStreaming) {
                findings.add(archiveMode.equals("off")
                        ? new Finding("archive_mode", Status.FAILED, "archive_mode = off",
                        "set archive_mode = on (restart needed), or use pgnest wal stream")
                        : new Finding("archive_mode", Status.OK, "archive_mode = " + archiveMode, ""));
                if (archiveCommand.isBlank() || archiveCommand.equals("(disabled)")) {
                    findings.add(new Finding("archive_command", Status.FAILED, "archive_command is empty",
                            "set archive_command = 'pgnest wal push %p' and reload (SELECT pg_reload_conf())"));
                } else if (!archiveCommand.contains("wal push")) {
                    findings.add(new Finding("archive_command", Status.WARNING, "archive_command = '" + archiveCommand + "'",
                            "pgnest expects archive_command = 'pgnest wal push %p'; the WAL switch below shows whether it reaches this archive"));
                } else {
                    findings.add(new Finding("archive_command", Status.OK, "archive_command = '" + archiveCommand + "'", ""));
                }
                String timeoutSetting = setting(c, "archive_timeout");
                findings.add(timeoutSetting.equals("0")
                        ? new Finding("archive_timeout", Status.WARNING, "archive_timeout = 0",
                        "on a quiet server a segment may wait for hours before it is archived; set archive_timeout = 60s to bound data loss")
                        : new Finding("archive_timeout", Status.OK, "archive_timeout = " + timeoutSetting, ""));
            }
            int senders = Integer.parseInt(setting(c, "max_wal_senders"));
            findings.add(senders == 0
                    ? new Finding("max_wal_senders", expectStreaming ? Status.FAILED : Status.WARNING, "max_wal_senders = 0",
                    "set max_wal_senders = 10 (restart needed): pg_basebackup and wal stream need a WAL sender")
                    : new Finding("max_wal_senders", Status.OK, "max_wal_senders = " + senders, ""));
            if (expectStreaming && senders > 0) {
                findings.add(receiver(c, streamSlot, setting(c, "synchronous_standby_names")));
            }
            if (findings.stream().anyMatch(f -> f.status() == Status.FAILED)) {
                return new Report(findings);
            }
            findings.add(switchAndWait(c, archive, timeout));
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot check " + db + ": " + e.getMessage(),
                    "check the target's url, user and password; the user needs pg_switch_wal (superuser or GRANT EXECUTE)", e);
        }
        return new Report(findings);
    }

    /**
     * Whether {@code wal stream} is connected, and whether commits wait for it. A synchronous
     * receiver that is down stops every commit: PostgreSQL waits rather than fall back.
     */
    static Finding receiver(Connection c, String slot, String synchronousNames) throws SQLException {
        String state = null;
        boolean asyncReceiver = false;
        try (var ps = c.prepareStatement("SELECT application_name, sync_state FROM pg_stat_replication "
                + "WHERE application_name IN (?, ?) ORDER BY application_name = ? DESC")) {
            ps.setString(1, slot);
            ps.setString(2, "pgnest wal stream"); // WalStreamer.applicationName of the asynchronous receiver
            ps.setString(3, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    asyncReceiver = !slot.equals(rs.getString(1));
                    state = rs.getString(2);
                }
            }
        }
        boolean named = java.util.Arrays.stream(synchronousNames.split("[,() ]+"))
                .anyMatch(n -> n.replace("\"", "").equalsIgnoreCase(slot) || n.equals("*"));
        String outage = "while it is down, commits on the server wait for it (PostgreSQL does not fall back to asynchronous); "
                + "start it again, or remove " + slot + " from synchronous_standby_names and reload";
        if (state == null) {
            return named
                    ? new Finding("receiver", Status.FAILED, "synchronous_standby_names names " + slot
                    + " but no wal stream --synchronous --slot " + slot + " is connected: commits wait", "start it; " + outage)
                    : new Finding("receiver", Status.WARNING, "no wal stream is connected", "start pgnest wal stream --slot " + slot);
        }
        if (asyncReceiver) {
            return new Finding("receiver", Status.OK, "wal stream is connected and asynchronous: the WAL after the last stored "
                    + "segment is at risk", "for zero data loss run wal stream --synchronous and name " + slot
                    + " in synchronous_standby_names");
        }
        return switch (state) {
            case "sync", "quorum" -> new Finding("receiver", Status.OK, "wal stream --synchronous is a synchronous standby ("
                    + state + "): a commit returns once its WAL is fsynced by the receiver; " + outage, "");
            case "potential" -> new Finding("receiver", Status.WARNING, "wal stream --synchronous is a potential synchronous "
                    + "standby: commits wait for another standby, not for it", "list " + slot + " first in synchronous_standby_names");
            default -> new Finding("receiver", Status.WARNING, "wal stream --synchronous is connected but commits do not wait "
                    + "for it (" + state + ")", "name " + slot + " in synchronous_standby_names and reload");
        };
    }

    /** Which PostgreSQL the target runs, and whether pgnest is proven on it. */
    static Finding serverVersion(String version, int versionNum) {
        int major = PgBinaries.majorOf(versionNum);
        String detail = "PostgreSQL " + version.replaceFirst(" .*", "") + " (major " + major + ")";
        if (PostgresMajors.isSupported(major)) {
            return new Finding("postgresql", Status.OK, detail + ", supported", "");
        }
        if (major > PostgresMajors.NEWEST) {
            return new Finding("postgresql", Status.WARNING, detail + ", newer than pgnest is tested on ("
                    + PostgresMajors.range() + ")", "check the release notes of a newer pgnest, and run `pgnest restore drill` before trusting it");
        }
        return new Finding("postgresql", Status.FAILED, detail + ", not supported (" + PostgresMajors.range() + ")",
                "upgrade the server to PostgreSQL " + PostgresMajors.OLDEST + " or newer");
    }

    /**
     * Writes a WAL record (a restore point) so the switch cannot be a no-op on an idle server,
     * switches, and waits for the switched-from segment in the archive.
     */
    private static Finding switchAndWait(Connection c, WalArchive archive, Duration timeout) throws SQLException {
        String segment;
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_restore_point('pgnest check')");
            try (ResultSet rs = s.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                rs.next();
                segment = rs.getString(1);
            }
        }
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (archive.contains(segment)) {
                long ms = (System.nanoTime() - started) / 1_000_000;
                return new Finding("archive", Status.OK, "segment " + segment + " arrived in the archive after " + ms + " ms", "");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String failure = lastArchiverFailure(c);
        return new Finding("archive", Status.FAILED, "segment " + segment + " did not reach the archive of target "
                + archive.target() + " within " + timeout.toSeconds() + " s" + failure,
                "check the server log for archive_command errors; archive_command must push to this repository and target");
    }

    private static String lastArchiverFailure(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver")) {
            if (rs.next() && rs.getLong(1) > 0) {
                return "; the archiver failed " + rs.getLong(1) + " times, last with " + rs.getString(2) + " at " + rs.getString(3);
            }
        } catch (SQLException ignored) {
            // the finding stands without it
        }
        return "";
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (var ps = c.prepareStatement("SELECT current_setting(?)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static Connection connect(DatabaseConnection db) throws SQLException {
        return Databases.open(db, "pgnest check", Map.of("connectTimeout", "10"));
    }
}
