package dev.pgnest.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The long page header at the start of every WAL segment ({@code XLogLongPageHeaderData}):
 * the location the segment starts at, the timeline that wrote its first page, and the cluster's
 * system identifier and segment size. Lets push and fetch check that a file really is the
 * segment its name says, of the cluster the archive belongs to, without parsing any record.
 *
 * <p>Layout: magic u16, info u16, tli u32, pageaddr u64, rem_len u32, 4 bytes padding,
 * sysid u64, seg_size u32, xlog_blcksz u32 — in the server's byte order (little-endian on every
 * platform PostgreSQL ships for today; big-endian is detected and accepted).
 */
public record WalPageHeader(int magic, int timeline, Lsn pageAddress, long systemIdentifier, long segmentSize,
                            int blockSize) {

    /** Bytes needed to read the header. */
    public static final int SIZE = 40;
    private static final int XLP_LONG_HEADER = 0x0002;

    /** Reads the header from the first {@value #SIZE} bytes of a segment; empty when they are not one. */
    public static Optional<WalPageHeader> read(byte[] start) {
        if (start.length < SIZE) {
            return Optional.empty();
        }
        Optional<WalPageHeader> little = read(start, ByteOrder.LITTLE_ENDIAN);
        return little.isPresent() ? little : read(start, ByteOrder.BIG_ENDIAN);
    }

    private static Optional<WalPageHeader> read(byte[] start, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(start, 0, SIZE).order(order);
        int magic = Short.toUnsignedInt(b.getShort(0));
        int info = Short.toUnsignedInt(b.getShort(2));
        int tli = b.getInt(4);
        long pageAddress = b.getLong(8);
        long sysid = b.getLong(24);
        long segSize = Integer.toUnsignedLong(b.getInt(32));
        int blockSize = b.getInt(36);
        // every WAL page magic is 0xDxxx (0xD093 in 9.6 … 0xD110 in 15); a zero-filled file fails here
        if ((magic >>> 12) != 0xD || (info & XLP_LONG_HEADER) == 0 || !WalSegment.isValidSize(segSize)
                || tli <= 0 || blockSize <= 0 || Integer.bitCount(blockSize) != 1) {
            return Optional.empty();
        }
        return Optional.of(new WalPageHeader(magic, tli, new Lsn(pageAddress), sysid, segSize, blockSize));
    }

    /**
     * Why these bytes cannot be the start of {@code segment}, or empty when they can. The first
     * page of a timeline's first segment is a copy of the parent's, so its timeline may be older.
     */
    public Optional<String> mismatch(WalSegment segment) {
        if (!pageAddress.equals(segment.startLsn(segmentSize))) {
            return Optional.of("its first page is at " + pageAddress + " but segment " + segment.name(segmentSize)
                    + " starts at " + segment.startLsn(segmentSize));
        }
        if (Integer.compareUnsigned(timeline, segment.timeline()) > 0) {
            return Optional.of("its first page was written on timeline " + timeline + ", after timeline "
                    + segment.timeline() + " of its name");
        }
        return Optional.empty();
    }
}
