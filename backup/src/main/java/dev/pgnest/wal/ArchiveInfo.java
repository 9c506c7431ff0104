package dev.pgnest.wal;

import java.time.Instant;

/**
 * What a target's WAL archive belongs to: {@code <target>/wal/archive.json}, written by the
 * first push of a segment. Every later segment must come from the same cluster (system
 * identifier) with the same segment size, so two clusters can never mix their WAL in one archive.
 *
 * @param systemIdentifier the cluster's system identifier, as text (it is an unsigned 64-bit number)
 * @param segmentSize      wal_segment_size in bytes
 * @param created          when the archive received its first segment
 */
public record ArchiveInfo(String systemIdentifier, long segmentSize, Instant created) {
}
