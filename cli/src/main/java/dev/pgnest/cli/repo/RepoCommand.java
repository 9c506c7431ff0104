package dev.pgnest.cli.repo;

import dev.pgnest.cli.shared.Subcommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({RepoInitCommand.class, RepoCheckCommand.class})
@Command(name = "repo", mixinStandardHelpOptions = true,
        description = "The backup repository itself: create it, check it for leftovers.")
public final class RepoCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
