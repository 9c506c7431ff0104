package dev.pgnest.restore.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a restore did, for the person on call and for the post-mortem: which backup, which WAL,
 * the target asked for against the one reached, how long each phase took, and which checks
 * ran. Every restore writes one as JSON (for tools) and Markdown (for people), failed ones too.
 *
 * @param id          {@code <kind>-<yyyyMMdd-HHmmss>}, also the file name
 * @param kind        logical, pitr, drill, or rehearsal (the restore of {@code migrate rehearse})
 * @param status      succeeded or failed
 * @param target      the configured target (database) the backup belongs to
 * @param startedAt   when the restore began
 * @param finishedAt  when it ended
 * @param host        where it ran
 * @param toolVersion the pgnest that ran it
 * @param backup      the backup restored from (null when the restore failed before choosing one)
 * @param wal         the WAL replayed (PITR only)
 * @param requested   what was asked for
 * @param reached     what was reached (null when the restore failed before)
 * @param destination where the data went
 * @param phases      the steps and their durations, in order
 * @param checks      checks run on the result
 * @param error       why it failed (null when it succeeded)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IncidentReport(String id, Kind kind, Status status, String target, Instant startedAt, Instant finishedAt,
                             String host, String toolVersion, BackupUsed backup, WalRange wal, Requested requested,
                             Reached reached, Destination destination, List<Phase> phases, List<Check> checks,
                             String error) {

    public enum Kind { logical, pitr, drill, rehearsal }

    public enum Status { succeeded, failed }

    public IncidentReport {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        phases = phases == null ? List.of() : List.copyOf(phases);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    public Duration duration() {
        return startedAt == null || finishedAt == null ? Duration.ZERO : Duration.between(startedAt, finishedAt);
    }

    /** Whether every check passed (true when none ran). */
    public boolean checksPassed() {
        return checks.stream().allMatch(Check::passed);
    }

    /**
     * The backup restored from.
     *
     * @param id            backup id
     * @param kind          logical or physical
     * @param startTime     when it began
     * @param endTime       when it ended (the earliest point it can restore to)
     * @param startLsn      physical: where replay starts
     * @param stopLsn       physical: where the restored files become consistent
     * @param timeline      physical: the timeline it was taken on
     * @param schemaVersion the migration version it holds
     * @param storedBytes   bytes downloaded for it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackupUsed(String id, String kind, Instant startTime, Instant endTime, String startLsn, String stopLsn,
                             Long timeline, String schemaVersion, Long storedBytes) {
    }

    /**
     * WAL replayed during recovery.
     *
     * @param first    first segment file
     * @param last     last segment file
     * @param segments distinct segments
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WalRange(String first, String last, int segments) {
    }

    /**
     * The target asked for.
     *
     * @param type      time, lsn, xid, name, immediate, latest (PITR); backup (logical)
     * @param value     the target value (empty for immediate/latest)
     * @param inclusive PITR: whether the target itself was included
     * @param action    PITR: promote or pause
     * @param selection how the backup was chosen: {@code latest}, {@code --backup ID}, {@code --before-migration 5}
     * @param filters   logical: --schema/--table filters
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requested(String type, String value, Boolean inclusive, String action, String selection,
                            List<String> filters) {
    }

    /**
     * What was reached.
     *
     * @param lsn        PITR: last WAL record replayed
     * @param time       PITR: commit time of the last transaction replayed; logical: the backup's time
     * @param timeline   PITR: the timeline the server is on now
     * @param state      promoted, paused, restored
     * @param stopReason PITR: PostgreSQL's words on where it stopped
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reached(String lsn, Instant time, Integer timeline, String state, String stopReason) {
    }

    /**
     * Where the data went.
     *
     * @param dataDir  PITR: the data directory
     * @param port     PITR: the port the server ran on during recovery
     * @param database logical: the database restored into
     * @param running  whether a server was left running there
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Destination(String dataDir, Integer port, String database, Boolean running) {
    }

    /**
     * One step of the restore.
     *
     * @param name     e.g. {@code download}, {@code recovery}, {@code pg_restore}
     * @param seconds  how long it took
     * @param detail   what it did, e.g. {@code 1,204 files, 3.1 GiB}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Phase(String name, double seconds, String detail) {
        public static Phase of(String name, Duration duration, String detail) {
            return new Phase(name, Math.round(duration.toMillis() / 10.0) / 100.0, detail);
        }
    }

    /**
     * A check on the result.
     *
     * @param name     what was checked, e.g. {@code sha256 of dump.pgdump.zst}, {@code rows in public.orders}
     * @param passed   whether it held
     * @param expected what it should be (null when there is no fixed expectation)
     * @param actual   what it was
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(String name, boolean passed, String expected, String actual) {
    }
}
