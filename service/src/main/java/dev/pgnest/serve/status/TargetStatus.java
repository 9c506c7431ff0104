package dev.pgnest.serve.status;

import java.time.Instant;
import java.util.List;

/**
 * What the repository says about a target, for the status page: its backups and the windows
 * it can be restored to.
 *
 * @param backups  committed backups, oldest first
 * @param windows  restorable windows, one or more per timeline (a WAL gap splits a window)
 */
public record TargetStatus(List<Backup> backups, List<RestorableWindow> windows) {

    public TargetStatus {
        backups = List.copyOf(backups);
        windows = List.copyOf(windows);
    }

    /**
     * One committed backup.
     *
     * @param verified {@code ok}, {@code failed}, or null when never verified
     */
    public record Backup(String id, String kind, Instant start, Instant end, long bytes, String verified,
                         List<String> tags) {
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
