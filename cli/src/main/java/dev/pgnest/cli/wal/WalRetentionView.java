package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.Format;
import dev.pgnest.wal.WalRetention;
import java.util.ArrayList;
import java.util.List;

/**
 * What WAL expiry did (or would do), as {@code backup expire} and {@code wal expire} show it.
 * JSON: {@code {removed, removedBytes, keepFrom, timelines: [{timeline, firstKept, removed}], notExpired}};
 * on a dry run the counts are what would be removed.
 */
public record WalRetentionView(int removed, long removedBytes, String keepFrom, List<TimelineView> timelines,
                               String notExpired) {

    /** One timeline: its first segment left after expiry (null when none is) and the files removed. */
    public record TimelineView(int timeline, String firstKept, int removed) {
    }

    public static WalRetentionView of(WalRetention.Outcome o) {
        return new WalRetentionView(o.removed(), o.removedBytes(), o.keepFrom().orElse(null),
                o.timelines().stream().map(t -> new TimelineView(t.timeline(), t.firstKept().orElse(null), t.removed()))
                        .toList(),
                o.notExpired().orElse(null));
    }

    /** The human report: one line, plus one per timeline when the archive has several; none without an archive. */
    public static List<String> lines(WalRetention.Outcome o, boolean dryRun) {
        List<String> lines = new ArrayList<>();
        if (!o.hasArchive()) {
            return lines;
        }
        if (o.notExpired().isPresent()) {
            lines.add("WAL: nothing removed: " + o.notExpired().get());
            return lines;
        }
        lines.add("WAL: " + (dryRun ? "would remove " : "removed ") + o.removed() + " files ("
                + Format.bytes(o.removedBytes()) + "); kept from " + o.keepFrom().orElseThrow()
                + " (the oldest kept physical backup's start)");
        if (o.timelines().size() > 1) {
            for (WalRetention.TimelineOutcome t : o.timelines()) {
                lines.add("  timeline " + t.timeline() + ": " + (dryRun ? "would remove " : "removed ") + t.removed()
                        + ", " + t.firstKept().map(s -> "first kept " + s).orElse("none kept"));
            }
        }
        return lines;
    }
}
