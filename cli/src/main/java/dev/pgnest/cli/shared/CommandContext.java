package dev.pgnest.cli.shared;

import dev.pgnest.config.PgnestConfig;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What the root command gives every subcommand: the configuration, loaded once, and where
 * temporary files go. An interface so that commands need not know the root command.
 */
public interface CommandContext {
    /** The main class, by name: a command that re-runs pgnest looks for it on its own command line. */
    String MAIN_CLASS = "dev.pgnest.cli.Pgnest";

    /** The effective configuration (flags > environment > pgnest.yml > defaults). */
    PgnestConfig config();

    /** $TMPDIR, else java.io.tmpdir: where pgnest puts its own temporary directories. */
    Path tempDir();

    /** The context of the command line {@code spec} belongs to. */
    static CommandContext of(CommandSpec spec) {
        return (CommandContext) spec.root().userObject();
    }
}
