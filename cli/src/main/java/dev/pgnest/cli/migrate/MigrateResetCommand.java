package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.ResetReport;
import dev.pgnest.seed.SeedReport;
import dev.pgnest.seed.Seeder;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "reset", description = {
        "Drop every object in the target's schemas and apply all migrations again (then seed, with --seed).",
        "Refused unless the target is marked as a development environment and --force is given."})
public final class MigrateResetCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Option(names = "--force", description = "Confirm that all data in the target may be dropped.")
    boolean force;

    @Option(names = "--seed", paramLabel = "SCALE", description = "Load BabyNest demo data at SCALE afterwards.")
    Double seedScale;

    @Spec
    CommandSpec spec;

    /** The deploy part has the shape of {@code migrate deploy -o json}; seed that of {@code pgnest seed -o json}. */
    record ResetView(String target, List<String> schemasCleaned, Views.DeployView deploy, SeedReport seed) {
    }

    @Override
    public Integer call() {
        Migrations m = new Migrations(MigrationOptions.settings(spec));
        ResetReport reset = m.reset(force);
        SeedReport seed = null;
        if (seedScale != null) {
            try (Connection c = m.connect()) {
                seed = new Seeder(seedScale).load(c);
            } catch (SQLException e) {
                throw new PgnestException(ErrorKind.DATABASE, "seeding after the reset failed: " + Migrations.firstLine(e.getMessage()),
                        "the schema was reset; run pgnest seed to retry", e);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, new ResetView(reset.target(), reset.schemasCleaned(),
                    Views.DeployView.of(reset.deploy()), seed));
        } else {
            out.println("target " + reset.target() + " reset: emptied " + String.join(", ", reset.schemasCleaned())
                    + ", applied " + reset.deploy().applied().size() + " migrations, now at version "
                    + MigrateDeployCommand.version(reset.deploy().versionAfter()));
            if (seed != null) {
                out.println("seeded " + seed.totalRows() + " rows at scale " + seed.scale());
            }
            out.flush();
        }
        return ExitCode.OK.status();
    }
}
