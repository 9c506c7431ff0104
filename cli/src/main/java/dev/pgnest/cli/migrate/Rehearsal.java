package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.trace.StatementTracer;
import dev.pgnest.migrate.trace.TraceMarkdown;
import dev.pgnest.migrate.trace.TraceReport;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.drill.ConfiguredDrill;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.restore.report.ReportRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code migrate rehearse}: restore-tool's drill machinery restores a backup into a scratch
 * copy, migration-core's tracer applies the pending migrations there, and the copy is torn
 * down. Wired here because the CLI is the one module that sees both; the target itself is
 * never written to (in drill.mode database only its server gets a scratch database).
 */
final class Rehearsal {
    private Rehearsal() {
    }

    /**
     * @param id            {@code rehearsal-<yyyyMMdd-HHmmss>}, also the report's file name
     * @param needsAttention true when a statement failed or broke a threshold (exit 3)
     * @param backup        the backup rehearsed on
     * @param schemaVersion the migration version it holds (before the rehearsal)
     * @param trace         what each statement did
     * @param restore       the restore of the scratch copy: phases, destination
     */
    record Result(String id, String target, boolean needsAttention, Instant startedAt, Instant finishedAt, String backup,
                  String schemaVersion, TraceViews.TraceView trace, IncidentReport restore) {
    }

    /** The result and where its Markdown report was saved. */
    record Saved(Result result, TraceReport trace, Path report) {
    }

    static Saved run(CommandSpec spec, String backupId) {
        CommandContext root = CommandContext.of(spec);
        SettingValues target = root.config().target();
        MigrationSettings settings = MigrationOptions.settings(spec);
        TraceReport.Limits limits = new TraceReport.Limits(target.require(Settings.REHEARSE_LOCK_THRESHOLD),
                target.require(Settings.REHEARSE_REWRITE_THRESHOLD));
        BackupSelector selector = backupId == null ? new BackupSelector.Latest() : new BackupSelector.ById(backupId);
        try (RestoreContext context = RestoreContext.of(root.config(), root.tempDir())) {
            ReportRecorder recorder = context.recorder(IncidentReport.Kind.rehearsal);
            recorder.requested(new IncidentReport.Requested("backup", backupId, null, null, selector.describe(), null));
            TraceReport trace;
            try {
                trace = ConfiguredDrill.onScratchCopy(context, selector, recorder, (restored, backup) ->
                        recorder.phase("rehearse migrations", () -> new StatementTracer(limits)
                                        .tracePending(settings.withTarget(scratch(settings, restored))),
                                t -> t.migrations().size() + " migrations, " + t.statementCount() + " statements"));
            } catch (PgnestException e) {
                throw context.failed(recorder, e);
            }
            IncidentReport restore = recorder.succeed();
            Result result = new Result(restore.id(), context.target(), !trace.problems().isEmpty(), restore.startedAt(),
                    restore.finishedAt(), restore.backup() == null ? null : restore.backup().id(),
                    restore.backup() == null ? null : restore.backup().schemaVersion(), TraceViews.TraceView.of(trace), restore);
            return new Saved(result, trace, save(result, trace, context.reportDir()));
        }
    }

    private static DatabaseTarget scratch(MigrationSettings settings, DatabaseConnection restored) {
        return new DatabaseTarget(settings.target().name() + "-rehearsal", restored.jdbcUrl(), restored.user(), restored.password(),
                Environment.STANDARD);
    }

    /** {@code <id>.json} and {@code <id>.md} in restore.report-dir, beside the restore reports; returns the Markdown file. */
    private static Path save(Result r, TraceReport trace, Path dir) {
        try {
            Files.createDirectories(dir);
            OutputOptions.mapper().writeValue(dir.resolve(r.id() + ".json").toFile(), r);
            Path md = dir.resolve(r.id() + ".md");
            Files.writeString(md, markdown(r, trace), StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot save the rehearsal report in " + dir + ": " + e.getMessage(),
                    "set restore.report-dir to a writable directory", e);
        }
    }

    static String markdown(Result r, TraceReport trace) {
        String restore = ReportFormat.markdown(r.restore()).replaceFirst("^# Restore report \\S+", "## Restore of the scratch copy");
        return String.join("\n", List.of("# Rehearsal report " + r.id(), "",
                "**" + (r.needsAttention() ? "NEEDS ATTENTION" : "Passed") + "** — " + trace.migrations().size()
                        + " pending migrations of target `" + r.target() + "` rehearsed on backup `" + r.backup()
                        + "` (schema version " + (r.schemaVersion() == null ? "none" : r.schemaVersion()) + "), "
                        + r.startedAt() + " to " + r.finishedAt() + ". The target was not touched.",
                "", TraceMarkdown.render(trace), restore));
    }
}
