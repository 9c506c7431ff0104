package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.logical.LogicalRestore;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.restore.report.ReportRecorder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "logical", description = {
        "Restore a logical backup into a database of the target's server with pg_restore.",
        "The dump's SHA-256 is checked before pg_restore sees it; the restore goes into a work database that",
        "takes the requested name only when complete. An existing database needs --replace (and --force when",
        "the target is protected)."})
final class RestoreLogicalCommand implements Callable<Integer> {
    @Mixin
    LogicalArguments arguments;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RestoreContext context = RestoreCommand.context(spec)) {
            ReportRecorder recorder = context.recorder(IncidentReport.Kind.logical);
            LogicalRestore.Result result;
            try {
                result = LogicalRestore.run(context.repository(), context.connection(), arguments.options(context), recorder);
            } catch (PgnestException e) {
                throw context.failed(recorder, e);
            }
            IncidentReport report = recorder.succeed();
            Path saved = context.save(report);
            if (output.json()) {
                OutputOptions.printJson(out, report);
            } else {
                out.println("restored backup " + result.backup().id()
                        + (result.backup().schemaVersion() == null ? "" : " (schema version " + result.backup().schemaVersion() + ")")
                        + (result.replaced() ? " over" : " into") + " database " + result.database() + " on "
                        + context.connection().host() + ":" + context.connection().port() + ", " + result.tables()
                        + " tables, in " + String.format(java.util.Locale.ROOT, "%.1f s", report.duration().toMillis() / 1000.0));
                report.checks().forEach(c -> out.println("  check " + (c.passed() ? "ok    " : "FAILED") + " " + c.name()
                        + (c.actual() == null ? "" : ": " + abbreviate(c.actual()))));
                out.println("report: " + saved);
                out.flush();
            }
            return ExitCode.OK.status();
        }
    }

    static String abbreviate(String s) {
        return s.length() > 20 && s.matches("[0-9a-f]+") ? s.substring(0, 12) + "…" : s;
    }

    static String bytes(long n) {
        return ReportFormat.bytes(n);
    }
}
