package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.NewMigration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "create", description = {
        "Create an empty migration V<yyyyMMddHHmmss>__NAME.sql (UTC) in the migrations directory",
        "(<yyyyMMddHHmmss>_NAME/migration.sql in a Prisma Migrate directory).",
        "NAME must be snake_case and say what changes (update, fix, ... are refused)."})
public final class MigrateCreateCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "NAME", description = "What the migration does, e.g. add_baby_nickname.")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path file = NewMigration.create(MigrationOptions.directory(spec), name, Clock.systemUTC());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, Map.of("file", file.toString()));
        } else {
            out.println("created " + file);
            out.flush();
        }
        return ExitCode.OK.status();
    }
}
