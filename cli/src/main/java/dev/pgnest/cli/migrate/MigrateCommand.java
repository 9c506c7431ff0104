package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.Subcommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({
        MigrateDeployCommand.class, MigrateStatusCommand.class, MigrateValidateCommand.class,
        MigrateResolveCommand.class, MigrateBaselineCommand.class, MigrateCreateCommand.class,
        MigrateLintCommand.class, MigrateDiffCommand.class, MigrateResetCommand.class,
        MigrateRehearseCommand.class})
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Schema migrations on Flyway Core, the Prisma Migrate workflow.")
public final class MigrateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
