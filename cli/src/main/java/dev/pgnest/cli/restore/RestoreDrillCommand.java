package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.drill.ConfiguredDrill;
import dev.pgnest.restore.drill.RestoreDrill;
import dev.pgnest.restore.report.IncidentReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "drill", description = {
        "Prove the latest backup restorable: restore it into a scratch cluster (or a scratch database),",
        "check the schema version, read every table, run the drill.checks SQL, tear it down, and record the",
        "result in the repository (<target>/drills/). Exit 1 when the restore or a check fails."})
final class RestoreDrillCommand implements Callable<Integer> {
    // --mode: declared with drill.mode in Settings

    @Option(names = "--kind", paramLabel = "logical|physical",
            description = "Which kind of backup to prove (default: the kind of the newest backup). Physical: the newest base "
                    + "backup recovered to the end of the archived WAL in a scratch data directory.")
    String kind;

    @Option(names = "--check", paramLabel = "SQL", description = "An extra SQL check (repeatable), besides drill.checks.")
    List<String> checks = new ArrayList<>();

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;


    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RestoreContext context = RestoreCommand.context(spec)) {
            RestoreDrill.Result result = ConfiguredDrill.run(context, kind, checks);
            IncidentReport report = result.report();
            Path saved = context.save(report);
            if (output.json()) {
                OutputOptions.printJson(out, report);
            } else {
                out.println("drill " + report.id() + " of target " + context.target() + ": "
                        + (result.passed() ? "PASSED" : "FAILED")
                        + (report.backup() == null ? "" : " (backup " + report.backup().id() + ")")
                        + (report.error() == null ? "" : ": " + report.error()));
                report.checks().forEach(c -> out.println("  check " + (c.passed() ? "ok    " : "FAILED") + " " + c.name()
                        + (c.actual() == null ? "" : ": " + RestoreLogicalCommand.abbreviate(c.actual()))));
                out.println("recorded: " + result.recordedAt());
                out.println("report: " + saved);
                out.flush();
            }
            return result.passed() ? ExitCode.OK.status() : ExitCode.FAILURE.status();
        }
    }

}
