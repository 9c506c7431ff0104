package dev.pgnest.restore.drill;

import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.storage.ObjectInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Drill results in the repository, {@code <target>/drills/<report id>.json} and {@code .md}, so
 * "last proven restorable" is a fact anyone with the repository can read.
 *
 * <p>A thin adapter: the {@code drills/} directory is not yet part of {@link RepositoryLayout}
 * (it should be, with a catalog method for the last drill; see the restore docs).
 */
public final class DrillRecords {
    static final String DIRECTORY = "drills/";

    private DrillRecords() {
    }

    static String prefix(String target) {
        return RepositoryLayout.targetPrefix(target) + DIRECTORY;
    }

    /** Stores the report (JSON first: listings read those; Markdown is for people). */
    public static String save(Repository repository, IncidentReport report) {
        String key = prefix(report.target()) + report.id() + ".json";
        repository.storage().put(key, ReportFormat.json(report));
        repository.storage().put(prefix(report.target()) + report.id() + ".md",
                ReportFormat.markdown(report).getBytes(StandardCharsets.UTF_8));
        return repository.storage().location(key);
    }

    /** Every recorded drill of {@code target}, oldest first. */
    public static List<IncidentReport> all(Repository repository, String target) {
        return repository.storage().list(prefix(target)).stream()
                .map(ObjectInfo::key)
                .filter(k -> k.endsWith(".json"))
                .map(k -> ReportFormat.parse(repository.storage().getBytes(k)))
                .toList();
    }

    /** The newest drill that succeeded: when the target was last proven restorable, and from which backup. */
    public static Optional<IncidentReport> lastSucceeded(Repository repository, String target) {
        List<IncidentReport> all = all(repository, target);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).status() == IncidentReport.Status.succeeded) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }
}
