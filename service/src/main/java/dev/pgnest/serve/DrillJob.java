package dev.pgnest.serve;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.drill.ConfiguredDrill;
import dev.pgnest.restore.drill.RestoreDrill;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobResult;
import java.nio.file.Path;
import java.util.List;

/**
 * The restore drill as a job of {@code pgnest serve} ({@code schedule.drill}): the same drill as
 * {@code pgnest restore drill} for the job's target. Wire it with
 * {@code .job(JobKind.DRILL, DrillJob.of(config, tempDir))}.
 */
public final class DrillJob {
    private DrillJob() {
    }

    /** @param tempDir where the drill's scratch cluster and staging go unless restore.scratch-dir/staging-dir say */
    public static Job of(PgnestConfig config, Path tempDir) {
        return context -> {
            try (RestoreContext restore = RestoreContext.forTarget(config, context.target(), tempDir)) {
                RestoreDrill.Result result = ConfiguredDrill.run(restore, null, List.of());
                IncidentReport report = result.report();
                Path saved = restore.save(report);
                if (!result.passed()) {
                    throw new PgnestException(ErrorKind.INTEGRITY, "restore drill of target " + context.target() + " failed: "
                            + report.error(), "see the report " + saved + " (also at " + result.recordedAt() + ")");
                }
                return new JobResult("drill " + report.id() + " passed"
                        + (report.backup() == null ? "" : ", backup " + report.backup().id()),
                        report.backup() == null ? null : report.backup().id(),
                        report.backup() == null || report.backup().storedBytes() == null ? 0 : report.backup().storedBytes());
            }
        };
    }
}
