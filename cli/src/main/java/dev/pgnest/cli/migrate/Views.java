package dev.pgnest.cli.migrate;

import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.PlannedMigration;
import dev.pgnest.migrate.Snapshot;
import dev.pgnest.migrate.StatusReport;
import dev.pgnest.migrate.lint.Finding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** JSON shapes of the migrate reports: stable field names, rule ids, durations in ms. */
final class Views {
    private Views() {
    }

    record FindingView(String file, int line, String rule, String severity, String reason, String safePattern, String statement) {
        static FindingView of(Finding f) {
            return new FindingView(f.file(), f.line(), f.rule().id(), f.severity().name().toLowerCase(),
                    f.rule().reason(), f.rule().safePattern(), f.statement());
        }
    }

    record AppliedView(String version, String description, String script, boolean transactional, long durationMs) {
    }

    record PlannedView(String version, String description, String script, boolean transactional, String sql) {
        static PlannedView of(PlannedMigration p) {
            return new PlannedView(p.version(), p.description(), p.script(), p.transactional(), p.sql());
        }
    }

    record DeployView(String target, boolean dryRun, boolean skipped, String versionBefore, String versionAfter,
                      List<AppliedView> applied, List<PlannedView> plan, List<FindingView> lint, Snapshot snapshot) {
        static DeployView of(DeployReport r) {
            return new DeployView(r.target(), r.dryRun(), false, r.versionBefore(), r.versionAfter(),
                    r.applied().stream().map(a -> new AppliedView(a.version(), a.description(), a.script(),
                            a.transactional(), a.duration().toMillis())).toList(),
                    r.plan().stream().map(PlannedView::of).toList(),
                    r.lint().stream().map(FindingView::of).toList(), r.snapshot());
        }
    }

    record StatusRowView(String version, String description, String script, String status, Instant appliedAt, Long durationMs) {
    }

    record StatusView(String target, String currentVersion, boolean needsAttention, List<StatusRowView> migrations) {
        static StatusView of(StatusReport r) {
            return new StatusView(r.target(), r.currentVersion(), r.needsAttention(), r.rows().stream()
                    .map(row -> new StatusRowView(row.version(), row.description(), row.script(),
                            row.status().name().toLowerCase(), row.appliedAt(),
                            row.duration() == null ? null : row.duration().toMillis()))
                    .toList());
        }
    }

    /** {@code V5 add nickname} for Flyway's files, the directory name for a Prisma migration's migration.sql. */
    static String name(String version, String description, String script) {
        return script != null && script.endsWith("/migration.sql")
                ? script.substring(0, script.length() - "/migration.sql".length())
                : "V" + version + " " + description;
    }

    static String ms(Duration d) {
        return d == null ? "" : d.toMillis() + " ms";
    }
}
