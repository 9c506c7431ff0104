package dev.pgnest.restore.pitr;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a point-in-time recovery reached.
 *
 * @param requested     the target asked for
 * @param inclusive     whether the target itself was included
 * @param state         promoted (open for writes) or paused at the target (read-only)
 * @param reachedLsn    the end of the last WAL record replayed ({@code pg_last_wal_replay_lsn()})
 * @param reachedTime   commit time of the last transaction replayed
 *                      ({@code pg_last_xact_replay_timestamp()}); null when none was replayed
 * @param timeline      the timeline the server is on now: the new one after promotion
 * @param stopReason    PostgreSQL's words on where it stopped, or "end of the archived WAL"
 * @param walReplayed   the WAL segments restored from the archive, in order of replay
 * @param startup       pg_ctl start until the restored files were consistent (first connection)
 * @param replay        consistent until the target was reached
 * @param serverLog     the log of the recovery run
 */
public record RecoveryOutcome(RecoveryTarget requested, boolean inclusive, State state, String reachedLsn,
                              Instant reachedTime, int timeline, String stopReason, WalReplayed walReplayed,
                              Duration startup, Duration replay, java.nio.file.Path serverLog) {

    public enum State { PROMOTED, PAUSED }

    /**
     * WAL restored during recovery.
     *
     * @param first first segment file name, null when recovery needed none from the archive
     * @param last  last segment file name
     * @param count distinct segments restored
     */
    public record WalReplayed(String first, String last, int count) {
        static WalReplayed of(List<String> restored) {
            if (restored.isEmpty()) {
                return new WalReplayed(null, null, 0);
            }
            return new WalReplayed(restored.get(0), restored.get(restored.size() - 1),
                    (int) restored.stream().distinct().count());
        }
    }
}
