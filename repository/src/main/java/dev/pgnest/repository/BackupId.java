package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Backup ids: the UTC start time to the second and the kind's letter, e.g.
 * {@code 20250314-021500L}. They sort by time, read well in a terminal, and are valid keys.
 */
public final class BackupId {
    private static final Pattern FORMAT = Pattern.compile("\\d{8}-\\d{6}[LP]");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private BackupId() {
    }

    public static String of(Instant start, BackupKind kind) {
        return TIME.format(LocalDateTime.ofInstant(start, ZoneOffset.UTC)) + kind.idSuffix();
    }

    public static boolean isValid(String id) {
        return id != null && FORMAT.matcher(id).matches();
    }

    public static String check(String id) {
        if (!isValid(id)) {
            throw new PgnestException(ErrorKind.USAGE, "'" + id + "' is not a backup id",
                    "backup ids look like 20250314-021500L; pgnest backup list shows them");
        }
        return id;
    }

    public static BackupKind kind(String id) {
        return check(id).endsWith("L") ? BackupKind.LOGICAL : BackupKind.PHYSICAL;
    }

    public static Instant time(String id) {
        return LocalDateTime.parse(check(id).substring(0, 15), TIME).toInstant(ZoneOffset.UTC);
    }
}
