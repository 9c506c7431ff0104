package dev.pgnest.cli.seed;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.seed.BabyNest;
import dev.pgnest.seed.SeedReport;
import dev.pgnest.seed.Seeder;
import dev.pgnest.seed.TableChecksums;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "seed", description = {
        "Create the BabyNest demo schema (its migrations) in the target and load deterministic data:",
        "the same --scale always gives the same rows. Scale 1 is about 1 M rows, 150 MB."})
public final class SeedCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1", description = "Size factor (default: ${DEFAULT-VALUE}; 0.01 for a quick demo).")
    double scale;

    @Option(names = "--checksums", description = "Also print a SHA-256 per table (identical for the same scale).")
    boolean checksums;

    @Spec
    CommandSpec spec;

    record SeedView(String target, DeployView migrations, SeedReport seed, Map<String, TableChecksums.TableChecksum> checksums) {
    }

    record DeployView(String versionBefore, String versionAfter, int applied) {
    }

    @Override
    public Integer call() {
        Seeder seeder = new Seeder(scale);
        PgnestConfig config = CommandContext.of(spec).config();
        DatabaseConnection c = config.connection();
        DatabaseTarget target = new DatabaseTarget(config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME), c.jdbcUrl(), c.user(),
                c.password(), Environment.STANDARD);
        Migrations migrations = new Migrations(new MigrationSettings(target, List.of(BabyNest.MIGRATIONS_LOCATION)));
        DeployReport deploy = migrations.deploy(new DeployOptions(false, false, PreMigrationHook.NONE));
        SeedReport report;
        Map<String, TableChecksums.TableChecksum> sums = null;
        try (Connection connection = migrations.connect()) {
            report = seeder.load(connection);
            if (checksums) {
                sums = TableChecksums.computeData(connection);
            }
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "seeding target " + target.name() + " failed: "
                    + Migrations.firstLine(e.getMessage()), "nothing was loaded (one transaction); check the target and retry", e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, new SeedView(target.name(),
                    new DeployView(deploy.versionBefore(), deploy.versionAfter(), deploy.applied().size()), report, sums));
        } else {
            out.println("BabyNest schema at version " + deploy.versionAfter() + " (" + deploy.applied().size() + " migrations applied)");
            for (SeedReport.TableLoad t : report.tables()) {
                out.println(String.format("%-14s %,10d rows  %6d ms", t.table(), t.rows(), t.took().toMillis()));
            }
            out.println(String.format("seeded %,d rows at scale %s in %d ms", report.totalRows(), scale, report.took().toMillis()));
            if (sums != null) {
                sums.values().forEach(s -> out.println(s.table() + " " + s.rows() + " " + s.sha256()));
            }
            out.flush();
        }
        return ExitCode.OK.status();
    }
}
