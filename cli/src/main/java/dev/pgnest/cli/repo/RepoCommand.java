package dev.pgnest.cli.repo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "repo", mixinStandardHelpOptions = true,
        description = "The backup repository itself: create it, check it for leftovers.",
        subcommands = {RepoInitCommand.class, RepoCheckCommand.class})
public final class RepoCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
