package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.BaselineResult;
import dev.pgnest.migrate.Migrations;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "baseline", description = {
        "Adopt an existing database: record VERSION as its baseline, so deploy applies only newer migrations."})
public final class MigrateBaselineCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Option(names = "--version", paramLabel = "VERSION", required = true, description = "The version the database already matches.")
    String version;

    @Option(names = "--description", description = "Recorded with the baseline (default: baseline).")
    String description;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BaselineResult r = new Migrations(MigrationOptions.settings(spec)).baseline(version, description);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, r);
        } else {
            out.println("target " + r.target() + " baselined at version " + r.version() + " (" + r.description() + ")");
            out.flush();
        }
        return ExitCode.OK.status();
    }
}
