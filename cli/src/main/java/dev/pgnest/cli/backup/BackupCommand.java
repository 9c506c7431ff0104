package dev.pgnest.cli.backup;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Backups of the selected target in the selected repository.",
        subcommands = {BackupLogicalCommand.class, BackupPhysicalCommand.class, BackupListCommand.class, BackupShowCommand.class,
                BackupVerifyCommand.class, BackupExpireCommand.class})
public final class BackupCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
