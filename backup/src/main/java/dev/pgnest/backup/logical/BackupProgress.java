package dev.pgnest.backup.logical;

import java.time.Duration;

/**
 * Progress of a running backup, reported about twice a second from the backup's thread.
 * Rendering (a terminal line, nothing in JSON mode) is the caller's business.
 */
@FunctionalInterface
public interface BackupProgress {
    BackupProgress NONE = (dumped, stored, elapsed, databaseSize) -> { };

    /**
     * @param dumpedBytes  bytes pg_dump produced so far
     * @param storedBytes  compressed bytes handed to storage so far
     * @param elapsed      since the dump started
     * @param databaseSize pg_database_size at the start (an upper bound of the dump for an ETA), or -1
     */
    void update(long dumpedBytes, long storedBytes, Duration elapsed, long databaseSize);
}
