package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;

/**
 * One WAL segment file: a timeline and a segment number. Its 24-hex-digit file name is
 * {@code TTTTTTTT XXXXXXXX YYYYYYYY} — timeline, then the segment number split at
 * {@code 2^32 / segmentSize} segments per "log id" (PostgreSQL's {@code XLogFileName}), so the
 * name depends on the cluster's segment size (fixed at initdb, 16 MB by default).
 */
public record WalSegment(int timeline, long number) implements Comparable<WalSegment> {

    /** PostgreSQL's default, and what {@code initdb} uses without {@code --wal-segsize}. */
    public static final long DEFAULT_SIZE = 16L * 1024 * 1024;
    private static final long MIN_SIZE = 1L << 20;
    private static final long MAX_SIZE = 1L << 30;

    public WalSegment {
        if (timeline <= 0) {
            throw new IllegalArgumentException("timeline must be positive: " + timeline);
        }
        if (number < 0) {
            throw new IllegalArgumentException("segment number must not be negative: " + number);
        }
    }

    /** The segment that holds {@code lsn} (PostgreSQL's {@code XLByteToSeg}): where a backup starts. */
    public static WalSegment containing(int timeline, Lsn lsn, long segmentSize) {
        checkSize(segmentSize);
        return new WalSegment(timeline, Long.divideUnsigned(lsn.value(), segmentSize));
    }

    /**
     * The segment that holds the byte just before {@code lsn} ({@code XLByteToPrevSeg}): the last
     * segment needed to replay up to an end position such as a backup's stop LSN. An end exactly
     * on a segment boundary needs nothing of the segment starting there.
     */
    public static WalSegment endingAt(int timeline, Lsn lsn, long segmentSize) {
        checkSize(segmentSize);
        if (lsn.value() == 0) {
            return new WalSegment(timeline, 0);
        }
        return new WalSegment(timeline, Long.divideUnsigned(lsn.value() - 1, segmentSize));
    }

    /** Parses a segment file name such as {@code 000000010000000A000000FF}. */
    public static WalSegment parse(String name, long segmentSize) {
        checkSize(segmentSize);
        if (!WalFileName.isSegment(name)) {
            throw new PgnestException(ErrorKind.USAGE, "'" + name + "' is not a WAL segment file name",
                    "a segment name is 24 hex digits, e.g. 000000010000000000000003");
        }
        int timeline = (int) Long.parseLong(name.substring(0, 8), 16);
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        long perLog = segmentsPerLogId(segmentSize);
        if (seg >= perLog || timeline == 0) {
            throw new PgnestException(ErrorKind.USAGE, "'" + name + "' is not a valid WAL segment name for "
                    + (segmentSize >> 20) + " MB segments",
                    "check that the archive belongs to a cluster with this wal_segment_size");
        }
        return new WalSegment(timeline, log * perLog + seg);
    }

    /** The file name of this segment for the given segment size. */
    public String name(long segmentSize) {
        long perLog = segmentsPerLogId(segmentSize);
        return String.format("%08X%08X%08X", timeline, number / perLog, number % perLog);
    }

    public WalSegment next() {
        return new WalSegment(timeline, number + 1);
    }

    public WalSegment plus(long segments) {
        return new WalSegment(timeline, number + segments);
    }

    /** The same segment number on another timeline (after a promotion, WAL continues there). */
    public WalSegment onTimeline(int otherTimeline) {
        return new WalSegment(otherTimeline, number);
    }

    /** The first WAL location of this segment. */
    public Lsn startLsn(long segmentSize) {
        return new Lsn(number * segmentSize);
    }

    /** The location just past this segment (the next segment's start). */
    public Lsn endLsn(long segmentSize) {
        return new Lsn((number + 1) * segmentSize);
    }

    /** Orders by timeline, then number; equal to the order of the file names. */
    @Override
    public int compareTo(WalSegment o) {
        int c = Integer.compareUnsigned(timeline, o.timeline);
        return c != 0 ? c : Long.compare(number, o.number);
    }

    static long segmentsPerLogId(long segmentSize) {
        checkSize(segmentSize);
        return 0x1_0000_0000L / segmentSize;
    }

    /** PostgreSQL allows powers of two from 1 MB to 1 GB. */
    public static boolean isValidSize(long segmentSize) {
        return segmentSize >= MIN_SIZE && segmentSize <= MAX_SIZE && Long.bitCount(segmentSize) == 1;
    }

    static void checkSize(long segmentSize) {
        if (!isValidSize(segmentSize)) {
            throw new IllegalArgumentException("not a WAL segment size (a power of two from 1 MB to 1 GB): " + segmentSize);
        }
    }
}
