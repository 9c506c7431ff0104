package dev.pgnest.cli.migrate;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Schema migrations on Flyway Core, the Prisma Migrate workflow.",
        subcommands = {MigrateDeployCommand.class, MigrateStatusCommand.class, MigrateValidateCommand.class,
                MigrateResolveCommand.class, MigrateBaselineCommand.class, MigrateCreateCommand.class,
                MigrateLintCommand.class, MigrateDiffCommand.class, MigrateResetCommand.class})
public final class MigrateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
