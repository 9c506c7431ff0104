package dev.pgnest.cli.backup;

import dev.pgnest.cli.shared.Subcommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({
        BackupLogicalCommand.class, BackupPhysicalCommand.class, BackupListCommand.class, BackupShowCommand.class,
        BackupVerifyCommand.class, BackupExpireCommand.class})
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Backups of the selected target in the selected repository.")
public final class BackupCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
