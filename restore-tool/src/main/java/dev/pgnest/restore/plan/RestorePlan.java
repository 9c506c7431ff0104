package dev.pgnest.restore.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a restore would do, computed from the repository alone and changing nothing
 * ({@code pgnest restore plan}): the backup it would use, what it would download, the WAL it
 * would replay, the window of restorable points, and the steps in order.
 *
 * @param kind          logical or pitr
 * @param target        the configured target (database)
 * @param requested     what was asked for
 * @param backup        the backup that would be restored
 * @param objects       objects to download for it
 * @param downloadBytes bytes to download for the backup (compressed, as stored)
 * @param restoredBytes bytes it expands to
 * @param wal           WAL to replay (PITR; null for logical)
 * @param window        the points this repository can restore to (PITR; null for logical)
 * @param destination   where the data would go
 * @param steps         what would happen, in order
 * @param warnings      things the operator should know before going ahead
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestorePlan(IncidentReport.Kind kind, String target, IncidentReport.Requested requested,
                          IncidentReport.BackupUsed backup, int objects, long downloadBytes, long restoredBytes,
                          WalNeeded wal, Window window, String destination, List<String> steps, List<String> warnings) {

    public RestorePlan {
        Objects.requireNonNull(kind, "kind");
        steps = steps == null ? List.of() : List.copyOf(steps);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * WAL a recovery would replay.
     *
     * @param first          first segment
     * @param last           last segment (an upper bound for time targets: recovery stops earlier)
     * @param segments       how many
     * @param estimatedBytes bytes to download, as stored
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WalNeeded(String first, String last, long segments, long estimatedBytes) {
    }

    /**
     * The restorable window: from the end of the oldest base backup to the end of the
     * archived WAL that follows it without a gap.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Window(Instant fromTime, String fromLsn, Instant toTime, String toLsn) {
        public String describe() {
            return "from " + (fromTime == null ? "" : fromTime + " ") + "(LSN " + fromLsn + ") to "
                    + (toTime == null ? "" : "about " + toTime + " ") + "(LSN " + toLsn + ")";
        }
    }

    /** The plan for people: one fact per line. */
    public List<String> text() {
        List<String> lines = new ArrayList<>();
        lines.add("Restore plan (" + kind + ") for target " + target + " — nothing has been changed");
        if (requested != null) {
            String what = requested.type() + (requested.value() == null || requested.value().isEmpty() ? "" : " " + requested.value());
            lines.add("  target:       " + what + (requested.selection() == null ? "" : "  (backup: " + requested.selection() + ")"));
        }
        if (backup != null) {
            lines.add("  backup:       " + backup.id() + " (" + backup.kind() + ", ended " + backup.endTime()
                    + (backup.schemaVersion() == null ? "" : ", schema version " + backup.schemaVersion()) + ")");
        }
        lines.add("  download:     " + objects + " objects, " + ReportFormat.bytes(downloadBytes)
                + (restoredBytes > 0 ? " (" + ReportFormat.bytes(restoredBytes) + " restored)" : ""));
        if (wal != null) {
            lines.add("  wal:          " + (wal.segments() == 0 ? "none"
                    : wal.segments() + " segments " + wal.first() + " .. " + wal.last() + ", about "
                    + ReportFormat.bytes(wal.estimatedBytes())));
        }
        if (window != null) {
            lines.add("  restorable:   " + window.describe());
        }
        if (destination != null) {
            lines.add("  into:         " + destination);
        }
        for (int i = 0; i < steps.size(); i++) {
            lines.add((i == 0 ? "  steps:        " : "                ") + (i + 1) + ". " + steps.get(i));
        }
        for (String w : warnings) {
            lines.add("  warning:      " + w);
        }
        return lines;
    }
}
