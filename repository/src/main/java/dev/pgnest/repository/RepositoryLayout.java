package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Where everything lives in a repository. Restore, WAL archiving and backups all name objects
 * through here, so the layout is written down once:
 *
 * <pre>
 * pgnest-repository.json                      format version (pgnest repo init)
 * &lt;target&gt;/backups/&lt;id&gt;/manifest.json          written last: the backup exists iff this does
 * &lt;target&gt;/backups/&lt;id&gt;/in-progress.json       heartbeat of a running backup, removed on commit
 * &lt;target&gt;/backups/&lt;id&gt;/verify.json            outcome of the last pgnest backup verify
 * &lt;target&gt;/backups/&lt;id&gt;/verifications/&lt;time&gt;.json   every verification's outcome (history)
 * &lt;target&gt;/backups/&lt;id&gt;/&lt;object&gt;             data: dump.pgdump.zst, or files of a physical backup
 * &lt;target&gt;/wal/&lt;timeline&gt;/&lt;walfile&gt;[.zst]       WAL segments, .history and .backup files
 * &lt;target&gt;/drills/&lt;report id&gt;.json, .md          restore drill reports (pgnest restore drill, serve)
 * &lt;target&gt;/restore-points/&lt;name&gt;.json         pre-migration restore points (migrate deploy), expired with their WAL
 * </pre>
 *
 * The timeline directory is the first 8 hex digits of the WAL file name (for a segment its
 * timeline, for {@code 00000002.history} timeline 2), so one timeline's WAL lists by prefix.
 */
public final class RepositoryLayout {
    /** The format file at the repository root. */
    public static final String FORMAT_KEY = "pgnest-repository.json";
    public static final String MANIFEST = "manifest.json";
    public static final String IN_PROGRESS = "in-progress.json";
    public static final String VERIFICATION = "verify.json";
    /** The folder, inside a backup's, of its verification history. */
    public static final String VERIFICATIONS = "verifications/";

    private static final DateTimeFormatter HISTORY_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern RESTORE_POINT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,62}");
    private static final Pattern WAL_FILE = Pattern.compile("[0-9A-F]{8}([0-9A-F]{16}(\\.[0-9A-F]{8}\\.backup|\\.partial)?|\\.history)");

    private RepositoryLayout() {
    }

    /** Checks a target name: it becomes a directory of the repository. */
    public static String checkTarget(String target) {
        if (target == null || !TARGET.matcher(target).matches()) {
            throw new PgnestException(ErrorKind.CONFIG, "target name '" + target + "' cannot name a repository directory",
                    "use letters, digits, '.', '_' and '-' (at most 63, starting with a letter or digit)");
        }
        return target;
    }

    public static String targetPrefix(String target) {
        return checkTarget(target) + "/";
    }

    public static String backupsPrefix(String target) {
        return targetPrefix(target) + "backups/";
    }

    public static String backupPrefix(String target, String backupId) {
        return backupsPrefix(target) + BackupId.check(backupId) + "/";
    }

    public static String manifestKey(String target, String backupId) {
        return backupPrefix(target, backupId) + MANIFEST;
    }

    public static String inProgressKey(String target, String backupId) {
        return backupPrefix(target, backupId) + IN_PROGRESS;
    }

    public static String verificationKey(String target, String backupId) {
        return backupPrefix(target, backupId) + VERIFICATION;
    }

    public static String verificationsPrefix(String target, String backupId) {
        return backupPrefix(target, backupId) + VERIFICATIONS;
    }

    /** One verification of the history, named by when it finished (UTC, sorts by time). */
    public static String verificationHistoryKey(String target, String backupId, Instant finished) {
        return verificationsPrefix(target, backupId) + HISTORY_STAMP.format(finished) + ".json";
    }

    /** A data object of a backup; {@code name} may contain {@code /} (physical backup files). */
    public static String backupObjectKey(String target, String backupId, String name) {
        return backupPrefix(target, backupId) + name;
    }

    public static String drillsPrefix(String target) {
        return targetPrefix(target) + "drills/";
    }

    /** A drill report: {@code extension} is {@code .json} (read by the catalog) or {@code .md} (for people). */
    public static String drillKey(String target, String reportId, String extension) {
        return drillsPrefix(target) + reportId + extension;
    }

    public static String restorePointsPrefix(String target) {
        return targetPrefix(target) + "restore-points/";
    }

    /** The record of a restore point: its name is the file name, so only names that are safe as one. */
    public static String restorePointKey(String target, String name) {
        if (name == null || !RESTORE_POINT.matcher(name).matches()) {
            throw new PgnestException(ErrorKind.USAGE, "restore point name '" + name + "' cannot name a repository file",
                    "use letters, digits, '.', '_' and '-' (at most 63)");
        }
        return restorePointsPrefix(target) + name + ".json";
    }

    public static String walPrefix(String target) {
        return targetPrefix(target) + "wal/";
    }

    /** All WAL of a timeline, e.g. {@code walTimelinePrefix(t, 1)} → {@code t/wal/00000001/}. */
    public static String walTimelinePrefix(String target, long timeline) {
        return walPrefix(target) + String.format("%08X", timeline) + "/";
    }

    /**
     * The key of a WAL file as PostgreSQL names it ({@code 000000010000000000000003},
     * {@code 00000002.history}, {@code …​.00000028.backup}, {@code ….partial}), stored with
     * {@code compression}.
     */
    public static String walKey(String target, String walFileName, Compression compression) {
        if (!WAL_FILE.matcher(walFileName).matches()) {
            throw new PgnestException(ErrorKind.USAGE, "'" + walFileName + "' is not a WAL file name",
                    "pass the %f/%p PostgreSQL gives archive_command and restore_command");
        }
        return walPrefix(target) + walFileName.substring(0, 8) + "/" + walFileName + compression.extension();
    }

    /** Whether {@code name} looks like a WAL file name (segment, history, backup label, partial). */
    public static boolean isWalFileName(String name) {
        return WAL_FILE.matcher(name).matches();
    }
}
