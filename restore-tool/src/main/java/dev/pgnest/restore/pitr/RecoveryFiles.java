package dev.pgnest.restore.pitr;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The files that turn a restored data directory into one that starts in archive recovery:
 * {@code recovery.signal} and the recovery settings in {@code postgresql.auto.conf} (PostgreSQL
 * 12 and later; {@code recovery.conf} is gone). {@code postgresql.auto.conf} is read after
 * {@code postgresql.conf}, so these settings win over whatever the restored configuration says.
 */
final class RecoveryFiles {
    static final String AUTO_CONF = "postgresql.auto.conf";
    static final String RECOVERY_SIGNAL = "recovery.signal";
    static final String STANDBY_SIGNAL = "standby.signal";
    private static final String BLOCK_BEGIN = "# BEGIN pgnest recovery";
    private static final String BLOCK_END = "# END pgnest recovery";
    private static final int FIRST_MAJOR_WITH_SIGNAL_FILES = 12;

    private RecoveryFiles() {
    }

    /**
     * Replaces the recovery settings in postgresql.auto.conf without touching the signal files
     * (after recovery: a new recovery.signal would make the next start recover again).
     */
    static void rewriteSettings(Path dataDir, RecoverySettings settings) {
        Path autoConf = dataDir.resolve(AUTO_CONF);
        try {
            Files.writeString(autoConf, settingsBlock(Files.exists(autoConf) ? Files.readString(autoConf, StandardCharsets.UTF_8) : "",
                    settings), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write the recovery settings into " + dataDir + ": " + e.getMessage(),
                    "check that the data directory is writable by the user running pgnest", e);
        }
    }

    private static String settingsBlock(String existing, RecoverySettings settings) {
        StringBuilder out = new StringBuilder(withoutOwnedSettings(existing));
        if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        out.append(BLOCK_BEGIN).append(" (written by pgnest restore; PostgreSQL ignores it after promotion)\n");
        for (Map.Entry<String, String> e : settings.asConfig().entrySet()) {
            out.append(e.getKey()).append(" = ").append(quote(e.getValue())).append('\n');
        }
        out.append(BLOCK_END).append('\n');
        return out.toString();
    }

    static void write(Path dataDir, RecoverySettings settings) {
        int major = majorVersion(dataDir);
        if (major < FIRST_MAJOR_WITH_SIGNAL_FILES) {
            throw new PgnestException(ErrorKind.USAGE, "the data directory " + dataDir + " is PostgreSQL " + major
                    + ", which configures recovery in recovery.conf",
                    "pgnest restores PostgreSQL 12 and later; restore older clusters with their own tools");
        }
        Path autoConf = dataDir.resolve(AUTO_CONF);
        try {
            String existing = Files.exists(autoConf) ? Files.readString(autoConf, StandardCharsets.UTF_8) : "";
            Files.writeString(autoConf, settingsBlock(existing, settings), StandardCharsets.UTF_8);
            // a backup taken with pg_basebackup -R carries standby.signal: that would make the
            // restore a standby that waits for more WAL forever instead of stopping at the target
            Files.deleteIfExists(dataDir.resolve(STANDBY_SIGNAL));
            Files.write(dataDir.resolve(RECOVERY_SIGNAL), new byte[0]);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write the recovery settings into " + dataDir + ": " + e.getMessage(),
                    "check that the data directory is writable by the user running pgnest", e);
        }
    }

    /**
     * Debian and Ubuntu keep postgresql.conf and pg_hba.conf in /etc/postgresql, so a backup of
     * such a cluster has neither, and PostgreSQL cannot start on it alone. Minimal ones let the
     * recovery run (local connections by peer only); the service's own configuration still
     * applies when it is started the usual way ({@code pg_ctlcluster}, systemd).
     *
     * @return the files written
     */
    static java.util.List<String> ensureConfigFiles(Path dataDir) {
        java.util.List<String> written = new ArrayList<>();
        try {
            Path conf = dataDir.resolve("postgresql.conf");
            if (!Files.exists(conf)) {
                Files.writeString(conf, "# written by pgnest restore: the backed-up cluster kept its configuration outside\n"
                        + "# the data directory (Debian: /etc/postgresql/<version>/<cluster>/). Defaults apply here.\n",
                        StandardCharsets.UTF_8);
                written.add(conf.getFileName().toString());
            }
            Path hba = dataDir.resolve("pg_hba.conf");
            if (!Files.exists(hba)) {
                Files.writeString(hba, "# written by pgnest restore (see postgresql.conf): local connections by the OS user only\n"
                        + "local all all peer\n", StandardCharsets.UTF_8);
                written.add(hba.getFileName().toString());
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write a configuration file into " + dataDir + ": " + e.getMessage(),
                    "check that the data directory is writable", e);
        }
        return written;
    }

    /**
     * Drops every line setting one of {@link RecoverySettings#OWNED} and our earlier block:
     * two recovery targets make PostgreSQL refuse to start, and an old restore_command could
     * read another archive. Other lines (and comments) are kept as they are.
     */
    static String withoutOwnedSettings(String conf) {
        Pattern owned = Pattern.compile("^\\s*(" + String.join("|", RecoverySettings.OWNED) + ")\\s*(=|\\s).*$");
        List<String> kept = new ArrayList<>();
        for (String line : conf.split("\n", -1)) {
            if (line.startsWith(BLOCK_BEGIN) || line.startsWith(BLOCK_END) || owned.matcher(line).matches()) {
                continue;
            }
            kept.add(line);
        }
        String result = String.join("\n", kept);
        return result.isBlank() ? "" : result;
    }

    /** A configuration-file string literal: {@code ''} for a quote, {@code \\} for a backslash. */
    static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    static int majorVersion(Path dataDir) {
        Path versionFile = dataDir.resolve("PG_VERSION");
        try {
            return Integer.parseInt(Files.readString(versionFile, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            throw new PgnestException(ErrorKind.USAGE, dataDir + " is not a PostgreSQL data directory (cannot read "
                    + versionFile.getFileName() + ")",
                    "point --data-dir at the directory the backup was restored into");
        }
    }
}
