package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.pitr.PitrRestore;
import dev.pgnest.restore.pitr.RecoveryOutcome;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "pitr", description = {
        "Point-in-time recovery: restore the newest base backup before the target into --data-dir, replay the",
        "archived WAL up to the target (restore_command = '<pgnest> wal fetch %%f %%p'), and report what was reached.",
        "A target outside the archive's window is refused before anything is touched. Run it as root on the",
        "database host: the files are handed to restore.os-user, which runs PostgreSQL."})
final class RestorePitrCommand implements Callable<Integer> {
    @Mixin
    PitrArguments arguments;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RestoreContext context = RestoreCommand.context(spec)) {
            PitrRestore.Request request = arguments.request(context);
            ReportRecorder recorder = context.recorder(IncidentReport.Kind.pitr);
            PitrRestore.Result result;
            try {
                PitrArguments.requireFreePort(request.server().port());
                result = PitrRestore.run(context.repository(), request, recorder);
            } catch (PgnestException e) {
                throw context.failed(recorder, e);
            } finally {
                PitrArguments.removeRunDirIfEmpty(request);
            }
            IncidentReport report = recorder.succeed();
            Path saved = context.save(report);
            RecoveryOutcome o = result.outcome();
            if (output.json()) {
                OutputOptions.printJson(out, report);
            } else {
                out.println("restored backup " + result.backup().id() + " into " + request.dataDir() + " and recovered to "
                        + o.requested().describe());
                out.println("  reached:  LSN " + o.reachedLsn() + (o.reachedTime() == null ? "" : ", last transaction " + o.reachedTime())
                        + ", timeline " + o.timeline() + " (" + o.state().name().toLowerCase(Locale.ROOT) + ")");
                out.println("  stopped:  " + o.stopReason());
                out.println("  wal:      " + (o.walReplayed().count() == 0 ? "none" : o.walReplayed().count() + " segments "
                        + o.walReplayed().first() + " .. " + o.walReplayed().last()));
                out.println("  took:     " + String.format(Locale.ROOT, "%.1f s", report.duration().toMillis() / 1000.0)
                        + " (" + String.join(", ", report.phases().stream().map(p -> p.name() + " "
                        + String.format(Locale.ROOT, "%.1f s", p.seconds())).toList()) + ")");
                out.println(result.server().isPresent()
                        ? "  server:   running on port " + request.server().port() + " (stop: pg_ctl -D " + request.dataDir() + " stop)"
                        : "  server:   stopped; start it the usual way (systemctl start postgresql, pg_ctlcluster …)");
                out.println("  log:      " + o.serverLog());
                report.checks().forEach(c -> out.println("  check " + (c.passed() ? "ok    " : "FAILED") + " " + c.name()
                        + (c.actual() == null ? "" : ": " + c.actual())));
                out.println("report: " + saved);
                out.flush();
            }
            return ExitCode.OK.status();
        }
    }
}
