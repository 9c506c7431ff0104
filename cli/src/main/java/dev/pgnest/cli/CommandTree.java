package dev.pgnest.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Builds the command tree from the {@link Subcommands} declarations. Building the model of every
 * command (reflection over some forty annotated classes, and the static state of each, logging
 * among it) cost each start about 0.2 s of CPU before anything ran, so an invocation that names
 * a command gets only that branch: the commands off it are stood in for by {@link Elsewhere}, a
 * name the parser knows and no model. Whatever the branch cannot take for certain (no command
 * named, help, a parse error, a parse that lands on a stand-in) goes to the whole tree, so
 * messages and behaviour are the whole tree's.
 */
final class CommandTree {
    private CommandTree() {
    }

    static CommandLine full(Object root) {
        return build(root, null, 0);
    }

    /**
     * The branch {@code args} name, read off the annotations alone (no command class is
     * initialized): an argument that names a subcommand of the current command descends. An
     * option's value that happens to name a command may mislead this; {@link #runsOnlyRealCommands}
     * catches it. Null when there is no branch worth building: no command named, or help.
     */
    static CommandLine branch(Object root, String... args) {
        List<Class<?>> path = new ArrayList<>(List.of(root.getClass()));
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            Class<?> next = subcommandNamed(path.get(path.size() - 1), arg);
            if (next != null) {
                path.add(next);
            }
        }
        if (path.size() == 1 || path.contains(CommandLine.HelpCommand.class)) {
            return null;
        }
        return build(root, path, 0);
    }

    /** True when {@code args} parse on this tree into real commands only. */
    static boolean runsOnlyRealCommands(CommandLine cl, String... args) {
        try {
            return cl.parseArgs(args).asCommandLineList().stream().noneMatch(c -> c.getCommand() instanceof Elsewhere);
        } catch (CommandLine.ParameterException e) {
            return false;
        }
    }

    /** {@code path}: the branch to build (all of each command's subcommands below its end), or null for all. */
    private static CommandLine build(Object command, List<Class<?>> path, int depth) {
        CommandLine cl = new CommandLine(command);
        Class<?> type = command instanceof Class<?> c ? c : command.getClass();
        Subcommands subcommands = type.getAnnotation(Subcommands.class);
        if (subcommands == null) {
            return cl;
        }
        boolean onPath = path != null && depth + 1 < path.size();
        for (Class<?> sub : subcommands.value()) {
            Command annotation = sub.getAnnotation(Command.class);
            if (onPath && sub != path.get(depth + 1)) {
                CommandLine standIn = new CommandLine(CommandSpec.wrapWithoutInspection(new Elsewhere()));
                standIn.getCommandSpec().usageMessage().hidden(annotation.hidden());
                cl.addSubcommand(annotation.name(), standIn, annotation.aliases());
            } else {
                cl.addSubcommand(annotation.name(), build(sub, onPath ? path : null, depth + 1));
            }
        }
        return cl;
    }

    private static Class<?> subcommandNamed(Class<?> parent, String name) {
        Subcommands subcommands = parent.getAnnotation(Subcommands.class);
        if (subcommands == null) {
            return null;
        }
        for (Class<?> sub : subcommands.value()) {
            Command c = sub.getAnnotation(Command.class);
            if (c != null && (c.name().equals(name) || Arrays.asList(c.aliases()).contains(name))) {
                return sub;
            }
        }
        return null;
    }

    /** Stands in for a command off the branch: a name and nothing else. */
    static final class Elsewhere {
    }
}
