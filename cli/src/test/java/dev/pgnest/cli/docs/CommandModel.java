package dev.pgnest.cli.docs;

import dev.pgnest.cli.PgnestCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command tree as users see it, for the generated docs: the whole tree (as {@code pgnest --help}
 * builds it), its visible commands in order, each once (an alias is not a second command).
 */
final class CommandModel {
    /** Help is rendered at this width whatever the terminal or {@code picocli.usage.width} say. */
    static final int WIDTH = 80;

    private CommandModel() {
    }

    static CommandLine tree() {
        CommandLine root = PgnestCommand.commandLine(Map.of(), Path.of(""));
        fixWidth(root);
        return root;
    }

    private static void fixWidth(CommandLine cl) {
        cl.getCommandSpec().usageMessage().autoWidth(false).width(WIDTH);
        cl.getSubcommands().values().stream().distinct().forEach(CommandModel::fixWidth);
    }

    /** Every visible command, depth first in declaration order, the root first. */
    static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        cl.getSubcommands().forEach((name, sub) -> {
            CommandSpec spec = sub.getCommandSpec();
            if (name.equals(sub.getCommandName()) && !spec.usageMessage().hidden() && !name.equals("help")) {
                collect(sub, out);
            }
        });
    }

    /** The first sentence of the description, as the parent's list of commands shows it. */
    static String summary(CommandSpec spec) {
        String[] description = spec.usageMessage().description();
        if (description.length == 0) {
            return "";
        }
        try {
            return String.format(Locale.ROOT, description[0]);
        } catch (java.util.IllegalFormatException e) {
            return description[0];
        }
    }

    /** {@code pgnest --help}, {@code pgnest backup logical --help}, … as the command prints it, without colours. */
    static String usage(CommandLine cl) {
        return cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }
}
