package dev.pgnest.cli.restore;

import dev.pgnest.cli.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.BackupKind;
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

    private static BackupKind kind(String text) {
        try {
            return BackupKind.parse(text.strip());
        } catch (IllegalArgumentException e) {
            throw new dev.pgnest.config.PgnestException(dev.pgnest.config.ErrorKind.USAGE, "--kind " + text + " is not a backup kind",
                    "use logical or physical");
        }
    }

    /** The target's database, checked in the recovered cluster (postgres when no URL is configured). */
    private static String databaseName(RestoreContext context) {
        try {
            return context.connection().database();
        } catch (dev.pgnest.config.PgnestException e) {
            return "postgres";
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RestoreContext context = RestoreContext.of(spec)) {
            RestoreDrill.Result result = run(context, kind, checks);
            IncidentReport report = result.report();
            Path saved = context.save(report);
            if (output.json()) {
                OutputOptions.printJson(out, report);
            } else {
                out.println("drill " + report.id() + " of target " + context.target + ": "
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

    /** One drill of {@code context}'s target, as configured (drill.mode, drill.checks) plus the extras given. */
    static RestoreDrill.Result run(RestoreContext context, String kind, List<String> extraChecks) {
        String where = context.targetSettings().require(Settings.DRILL_MODE);
        List<String> sql = new ArrayList<>(context.targetSettings().get(Settings.DRILL_CHECKS).orElse(List.of()));
        sql.addAll(extraChecks);
        RestoreDrill.Where place = switch (where) {
            case "cluster" -> RestoreDrill.Where.SCRATCH_CLUSTER;
            case "database" -> RestoreDrill.Where.SCRATCH_DATABASE;
            default -> throw new IllegalStateException("drill.mode " + where + " is not declared");
        };
        BackupKind backupKind = kind != null ? kind(kind)
                : context.repository().catalog().latest(context.target, null).map(e -> e.manifest().kind()).orElse(BackupKind.LOGICAL);
        RestoreDrill.Physical physical = backupKind == BackupKind.PHYSICAL
                ? new RestoreDrill.Physical(context.restoreCommand(), databaseName(context), context.parallelism(),
                        context.config.global().require(Settings.RESTORE_TIMEOUT))
                : null;
        return RestoreDrill.run(context.repository(),
                place == RestoreDrill.Where.SCRATCH_DATABASE ? context.connection() : null,
                new RestoreDrill.Options(context.target, backupKind, place, context.scratchDir(),
                        place == RestoreDrill.Where.SCRATCH_CLUSTER || physical != null ? context.account() : null,
                        context.binaries(), sql, null, context.stagingDir(), physical),
                RestoreContext.toolVersion());
    }
}
