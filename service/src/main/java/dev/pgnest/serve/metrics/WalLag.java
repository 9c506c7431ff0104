package dev.pgnest.serve.metrics;

import java.time.Duration;
import java.time.Instant;

/**
 * How far the WAL archive is behind the server.
 *
 * @param segments         completed segments not yet archived (the one being written does not count)
 * @param age              how long they have been waiting: time since the last successful
 *                         archive while segments are pending, zero when none are
 * @param lastArchived     the last WAL file archived (pg_stat_archiver), null if none yet
 * @param lastArchivedTime when it was archived
 * @param failing          the archiver's last attempt failed (last_failed_time after last_archived_time)
 * @param measuredAt       when this was measured
 */
public record WalLag(long segments, Duration age, String lastArchived, Instant lastArchivedTime, boolean failing,
                     Instant measuredAt) {
}
