package dev.pgnest.cli.config;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ConfigReport;
import dev.pgnest.config.PgnestConfig;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "show", description = "Print every effective setting and where it came from; secrets as ***.")
final class ConfigShowCommand implements Runnable {
    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PgnestConfig config = CommandContext.of(spec).config();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, ConfigReport.of(config));
        } else {
            ConfigReport.text(config).forEach(out::println);
            out.flush();
        }
    }
}
