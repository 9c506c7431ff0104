package dev.pgnest.backup.physical;

import java.util.regex.Pattern;

/**
 * Page-level deltas of relation files, as WAL-G's delta backups find them: every page of a
 * heap or index carries in its header the LSN of the last WAL record that changed it, so a
 * page whose LSN is not newer than the reference backup's start LSN is unchanged since then
 * (a change made while the reference was copied has a newer LSN). Pages torn by a concurrent
 * write are repaired by WAL replay (full-page images after the backup's checkpoint), as in any
 * base backup.
 *
 * <p>Only the main fork and the visibility map qualify: the free space map is not WAL-logged
 * (its page LSNs say nothing), and other files carry no page LSNs. A file new since the
 * reference is stored whole: a relation copied page by page with its old LSNs (CREATE DATABASE
 * with the file_copy strategy, ALTER TABLE SET TABLESPACE) would otherwise look unchanged.
 */
final class PageDelta {
    /** PostgreSQL's default block size; a server built with another is backed up whole. */
    static final int PAGE = 8192;
    /** A stored page: 4-byte big-endian block number, then the page. */
    static final int RECORD = 4 + PAGE;

    private static final Pattern RELATION = Pattern.compile(
            "(base/\\d+/|global/|pg_tblspc/\\d+/[^/]+/\\d+/)\\d+(_vm)?(\\.\\d+)?");

    private PageDelta() {
    }

    /** Whether {@code path} (in the data directory) holds pages whose LSNs can be trusted. */
    static boolean eligible(String path) {
        return RELATION.matcher(path).matches();
    }

    /**
     * The page's LSN: {@code pd_lsn}, the header's first 8 bytes, two 32-bit halves in the
     * server's byte order (little-endian on every platform pgnest runs on).
     */
    static long lsn(byte[] page, int offset) {
        long high = readIntLe(page, offset) & 0xFFFFFFFFL;
        long low = readIntLe(page, offset + 4) & 0xFFFFFFFFL;
        return high << 32 | low;
    }

    /**
     * Whether a page must be stored: changed after {@code referenceStart}, or new (LSN 0: an
     * all-zero page the server extended the file with, cheap to store and never trusted).
     */
    static boolean changed(byte[] page, int offset, long referenceStart) {
        long lsn = lsn(page, offset);
        return lsn == 0 || Long.compareUnsigned(lsn, referenceStart) > 0;
    }

    private static int readIntLe(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }
}
