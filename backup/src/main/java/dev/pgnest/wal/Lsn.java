package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;

/**
 * A WAL location (PostgreSQL's {@code pg_lsn}): a 64-bit byte position in the WAL stream,
 * written as two hex halves, {@code 16/B374D848}. Compared unsigned, as PostgreSQL does.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    /** Parses {@code X/Y} as PostgreSQL prints it (upper or lower case hex). */
    public static Lsn parse(String text) {
        String s = text == null ? "" : text.strip();
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1 || slash > 8 || s.length() - slash - 1 > 8) {
            throw new PgnestException(ErrorKind.USAGE, "'" + text + "' is not a WAL location",
                    "write it as PostgreSQL prints pg_lsn values, e.g. 0/3000028");
        }
        try {
            long hi = Long.parseLong(s.substring(0, slash), 16);
            long lo = Long.parseLong(s.substring(slash + 1), 16);
            return new Lsn((hi << 32) | lo);
        } catch (NumberFormatException e) {
            throw new PgnestException(ErrorKind.USAGE, "'" + text + "' is not a WAL location",
                    "write it as PostgreSQL prints pg_lsn values, e.g. 0/3000028");
        }
    }

    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /** Byte distance from {@code other} to this location (negative when this one is earlier). */
    public long minus(Lsn other) {
        return value - other.value;
    }

    /** Position of this location inside its WAL segment. */
    public long segmentOffset(long segmentSize) {
        return Long.remainderUnsigned(value, segmentSize);
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
