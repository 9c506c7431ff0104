package dev.pgnest.repository;

import java.time.Instant;

/**
 * A restore drill as recorded in the repository ({@code <target>/drills/<id>.json}, the report
 * restore-tool writes): the fields the catalog, the status page, {@code backup list/show} and
 * the metrics need. Whoever ran the drill (a command, the service, another host), this is the
 * record of it.
 *
 * @param id         the report's id, e.g. {@code drill-20261206_081500}
 * @param status     {@code succeeded} or {@code failed}
 * @param startedAt  when the drill began
 * @param finishedAt when it ended: for a passed drill, the moment its backup was last proven restorable
 * @param host       where it ran
 * @param backup     the backup it restored; null when it failed before choosing one
 * @param error      why it failed
 * @param report     where its report for people ({@code .md}) is stored; set when read
 */
public record DrillRecord(String id, String status, Instant startedAt, Instant finishedAt, String host,
                          Backup backup, String error, String report) {

    /** @param kind {@code logical} or {@code physical} */
    public record Backup(String id, String kind) {
    }

    public boolean succeeded() {
        return "succeeded".equals(status);
    }

    public String backupId() {
        return backup == null ? null : backup.id();
    }

    DrillRecord withReport(String location) {
        return new DrillRecord(id, status, startedAt, finishedAt, host, backup, error, location);
    }
}
