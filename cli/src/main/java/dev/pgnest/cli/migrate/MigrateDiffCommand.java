package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.drift.Difference;
import dev.pgnest.migrate.drift.DriftCheck;
import dev.pgnest.migrate.drift.DriftReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "diff", aliases = "drift", description = {
        "Build the schema the migrations produce in a shadow database and compare its catalog with the",
        "target's (tables, columns, types, defaults, indexes, constraints, sequences, views, functions,",
        "enums, triggers). Exits 3 on drift."})
public final class MigrateDiffCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DriftReport report = new DriftCheck(MigrationOptions.settings(spec), MigrationOptions.shadowJdbcUrl(spec)).run();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, report);
        } else {
            report.differences().stream().map(Difference::describe).forEach(out::println);
            out.println(report.drifted()
                    ? report.differences().size() + " differences between the migrations (up to version "
                            + MigrateDeployCommand.version(report.comparedVersion()) + ") and target " + report.target()
                    : "no drift: target " + report.target() + " matches its migrations (" + report.objectsCompared()
                            + " objects compared, up to version " + MigrateDeployCommand.version(report.comparedVersion()) + ")");
            out.flush();
        }
        return report.drifted() ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
    }
}
