package dev.pgnest.wal;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The kinds of file PostgreSQL's archiver hands to {@code archive_command} (and asks back from
 * {@code restore_command}), told apart by name alone.
 */
public enum WalFileName {
    /** A full segment: {@code 000000010000000000000003}. */
    SEGMENT(Pattern.compile("[0-9A-F]{24}")),
    /** A timeline history file written at promotion: {@code 00000002.history}. */
    HISTORY(Pattern.compile("[0-9A-F]{8}\\.history")),
    /** A backup history file written by pg_backup_stop: {@code 000000010000000000000003.00000028.backup}. */
    BACKUP_HISTORY(Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup")),
    /** The incomplete last segment of an old timeline, archived at promotion: {@code …03.partial}. */
    PARTIAL(Pattern.compile("[0-9A-F]{24}\\.partial"));

    private final Pattern pattern;

    WalFileName(Pattern pattern) {
        this.pattern = pattern;
    }

    /** What kind of archive file {@code name} is, if any. */
    public static Optional<WalFileName> classify(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (WalFileName kind : values()) {
            if (kind.pattern.matcher(name).matches()) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    public static boolean isSegment(String name) {
        return name != null && SEGMENT.pattern.matcher(name).matches();
    }

    /** The timeline a file belongs to: the first 8 hex digits of every kind of name. */
    public static int timelineOf(String name) {
        if (classify(name).isEmpty()) {
            throw new IllegalArgumentException("not a WAL archive file name: " + name);
        }
        return (int) Long.parseLong(name.substring(0, 8), 16);
    }

    /** The history file name of a timeline: {@code 00000002.history}. */
    public static String historyName(int timeline) {
        return String.format("%08X.history", timeline);
    }
}
