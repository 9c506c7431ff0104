package dev.pgnest.migrate;

import java.time.Instant;

/**
 * What the pre-migration hook recorded, for the deploy report.
 *
 * @param kind          {@code restore-point}, {@code logical-backup}, … or {@code none}
 * @param name          the restore point's or backup's name, null for none
 * @param location      where it is: an LSN for a restore point, a backup id, … (null for none)
 * @param schemaVersion the schema version the snapshot shows
 * @param note          why nothing was recorded, or a remark; null when there is none
 */
public record Snapshot(String kind, String name, String location, String schemaVersion, Instant takenAt, String note) {

    public static Snapshot none(String why, String schemaVersion) {
        return new Snapshot("none", null, null, schemaVersion, Instant.now(), why);
    }

    public boolean recorded() {
        return !"none".equals(kind);
    }
}
