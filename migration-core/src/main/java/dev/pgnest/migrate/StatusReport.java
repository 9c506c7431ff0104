package dev.pgnest.migrate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Every migration known to the files or the database, in version order. */
public record StatusReport(String target, String currentVersion, List<Row> rows) {

    public StatusReport {
        rows = List.copyOf(rows);
    }

    /**
     * One migration. {@code appliedAt} and {@code duration} are null when it never ran.
     */
    public record Row(String version, String description, String script, MigrationStatus status,
                      Instant appliedAt, Duration duration) {
    }

    public boolean needsAttention() {
        return rows.stream().anyMatch(r -> r.status().needsAttention());
    }

    public List<Row> withStatus(MigrationStatus status) {
        return rows.stream().filter(r -> r.status() == status).toList();
    }
}
