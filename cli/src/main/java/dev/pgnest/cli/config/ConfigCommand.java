package dev.pgnest.cli.config;

import dev.pgnest.cli.shared.Subcommands;
import picocli.CommandLine.Command;

@Subcommands({ConfigShowCommand.class, ConfigCheckCommand.class})
@Command(name = "config", description = "Show and check the effective configuration.")
public final class ConfigCommand {
}
