package dev.pgnest.cli.config;

import picocli.CommandLine.Command;

@Command(name = "config", description = "Show and check the effective configuration.",
        subcommands = {ConfigShowCommand.class, ConfigCheckCommand.class})
public final class ConfigCommand {
}
