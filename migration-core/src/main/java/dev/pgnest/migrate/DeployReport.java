package dev.pgnest.migrate;

import dev.pgnest.migrate.lint.Finding;
import java.time.Duration;
import java.util.List;

/**
 * What deploy did, or with {@code dryRun} what it would do.
 *
 * @param plan     the pending migrations in order, with their SQL
 * @param applied  the migrations applied by this run (empty for a dry run)
 * @param lint     lint findings in the pending migrations (warnings, and errors overridden
 *                 with --allow-unsafe or shown by a dry run)
 * @param snapshot the pre-migration snapshot, null unless the target is protected and
 *                 something was applied
 */
public record DeployReport(String target, boolean dryRun, String versionBefore, String versionAfter,
                           List<PlannedMigration> plan, List<Applied> applied, List<Finding> lint,
                           Snapshot snapshot) {

    public DeployReport {
        plan = List.copyOf(plan);
        applied = List.copyOf(applied);
        lint = List.copyOf(lint);
    }

    /** One migration applied by this deploy. */
    public record Applied(String version, String description, String script, boolean transactional, Duration duration) {
    }
}
