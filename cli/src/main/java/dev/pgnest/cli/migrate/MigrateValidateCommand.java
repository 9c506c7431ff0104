package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.ValidationReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "validate", description = {
        "Check applied migrations against their files: edited (checksum changed), missing, or failed.",
        "Exits 3 and names each one when any does not match."})
public final class MigrateValidateCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ValidationReport report = new Migrations(MigrationOptions.settings(spec)).validate();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, report);
        } else {
            report.problems().forEach(p -> out.println(p.message()));
            out.println(report.valid()
                    ? report.checked() + " applied migrations match their files"
                    : report.problems().size() + " of " + report.checked() + " applied migrations do not match their files");
            out.flush();
        }
        return report.valid() ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }
}
