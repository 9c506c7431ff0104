package dev.pgnest.restore.drill;

import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import java.nio.charset.StandardCharsets;

/**
 * Writes drill results into the repository, {@code <target>/drills/<report id>.json} and
 * {@code .md}, so "last proven restorable" is a fact anyone with the repository can read. The
 * catalog reads them ({@code Catalog.listing}: {@code DrillRecord}), for every view alike.
 */
public final class DrillRecords {
    private DrillRecords() {
    }

    /** Stores the report (JSON first: listings read those; Markdown is for people). */
    public static String save(Repository repository, IncidentReport report) {
        String key = RepositoryLayout.drillKey(report.target(), report.id(), ".json");
        repository.storage().put(key, ReportFormat.json(report));
        repository.storage().put(RepositoryLayout.drillKey(report.target(), report.id(), ".md"),
                ReportFormat.markdown(report).getBytes(StandardCharsets.UTF_8));
        return repository.storage().location(key);
    }
}
