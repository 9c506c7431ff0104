package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.Subcommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({
        WalPushCommand.class, WalFetchCommand.class, WalPrefetchCommand.class, WalServeCommand.class, WalPusherCommand.class,
        WalStreamCommand.class, WalCheckCommand.class, WalExpireCommand.class})
@Command(name = "wal", mixinStandardHelpOptions = true,
        description = "Continuous WAL archiving: archive_command, restore_command, streaming and coverage checks.")
public final class WalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
