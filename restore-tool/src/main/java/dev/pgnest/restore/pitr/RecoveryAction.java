package dev.pgnest.restore.pitr;

import java.util.Locale;

/** What the server does once it reaches the target ({@code recovery_target_action}). */
public enum RecoveryAction {
    /** End recovery and open for writes on a new timeline: the database is back. */
    PROMOTE,
    /**
     * Stay in recovery, read-only, so the result can be inspected before committing to it;
     * {@code pg_wal_replay_resume()} promotes later.
     */
    PAUSE;

    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }
}
