package dev.pgnest.serve.alert;

import java.time.Instant;
import java.util.Map;

/**
 * Something an operator must learn about now.
 *
 * @param type     what happened
 * @param target   the target it concerns
 * @param kind     the job kind ({@code logical}, {@code physical}…), or null (WAL lag, unproven restore)
 * @param message  one line: what happened and what to do; never a secret
 * @param time     when it was noticed
 * @param instance the replica that noticed it
 * @param details  extra fields for machines (backup id, lag in segments…)
 */
public record Alert(Type type, String target, String kind, String message, Instant time, String instance,
                    Map<String, String> details) {

    public enum Type {
        /** A scheduled job failed (or was lost with its replica). */
        JOB_FAILED("job_failed", "critical"),
        /** A fire time passed without the job running (service down, or the previous run still going). */
        MISSED_SCHEDULE("missed_schedule", "warning"),
        /** WAL has waited for the archive longer than alert.wal-lag. */
        WAL_LAG("wal_lag", "critical"),
        /** The WAL archive caught up again after a WAL_LAG alert. */
        WAL_LAG_RESOLVED("wal_lag_resolved", "info"),
        /** No drill has proven a backup restorable for longer than alert.unproven-after. */
        RESTORE_UNPROVEN("restore_unproven", "warning"),
        /** A drill passed after a RESTORE_UNPROVEN alert. */
        RESTORE_UNPROVEN_RESOLVED("restore_unproven_resolved", "info");

        private final String id;
        private final String severity;

        Type(String id, String severity) {
            this.id = id;
            this.severity = severity;
        }

        public String id() {
            return id;
        }

        public String severity() {
            return severity;
        }
    }

    public Alert {
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
