package dev.pgnest.serve.status;

import dev.pgnest.repository.DrillRecord;
import java.time.Instant;
import java.util.List;

/**
 * What the repository says about a target, for the status page, /metrics and alerts: its
 * backups, the windows it can be restored to, and what its drills and verifications proved,
 * whoever ran them.
 *
 * @param backups        committed backups, oldest first
 * @param windows        restorable windows, one or more per timeline (a WAL gap splits a window)
 * @param lastProven     per backup kind, the last passed drill (none for a kind never proven)
 * @param lastDrill      the last drill, passed or failed; null when none ran
 * @param lastVerified   when a backup last verified ok; null when none did
 * @param unprovenSince  since when the backups wait to be proven: the last passed drill, else the
 *                       first backup; null without backups
 */
public record TargetStatus(List<Backup> backups, List<RestorableWindow> windows, List<DrillRecord> lastProven,
                           DrillRecord lastDrill, Instant lastVerified, Instant unprovenSince) {

    public TargetStatus {
        backups = List.copyOf(backups);
        windows = List.copyOf(windows);
        lastProven = lastProven == null ? List.of() : List.copyOf(lastProven);
    }

    /**
     * One committed backup.
     *
     * @param verified  {@code ok}, {@code failed}, or null when never verified
     * @param provenAt  end of its last passed drill; null when never proven
     * @param damage    why it is known to be damaged (its last verification or drill failed), else null
     */
    public record Backup(String id, String kind, Instant start, Instant end, long bytes, String verified,
                         List<String> tags, Instant provenAt, String damage) {
        public Backup {
            tags = tags == null ? List.of() : List.copyOf(tags);
        }
    }

    /**
     * Times a point-in-time restore can reach on a timeline: from the end of the oldest base
     * backup there to the newest WAL archived there, with no gap in between; for logical backups
     * alone, the single points they were taken at ({@code from == to}).
     *
     * @param timeline the PostgreSQL timeline; 0 for the points of logical backups
     * @param note how it was computed, e.g. "base backup 20250314-021500P + 42 WAL segments"
     */
    public record RestorableWindow(long timeline, Instant from, Instant to, String note) {
    }
}
