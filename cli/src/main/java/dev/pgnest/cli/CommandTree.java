package dev.pgnest.cli;

import dev.pgnest.cli.shared.Subcommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

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
    /** A full stop (not of "e.g." or "i.e.") followed by a capital or a backquote. */
    private static final Pattern FIRST_SENTENCE_END =
            Pattern.compile("(?<!\\be\\.g|\\bi\\.e)[.!?]\\s+(?=[A-Z`])");

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
        UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.description(paragraphs(usage.description()));
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

    /**
     * The description as picocli should print it. It is written in source lines of about 100
     * columns, and picocli wraps each at 80 on its own, which left ragged half-lines: the lines
     * of a paragraph are joined (an empty or indented line, or one starting with "-", stays on
     * its own) and picocli wraps the paragraph. The first sentence comes first, on its own: it is
     * what the parent command's list of commands shows.
     */
    static String[] paragraphs(String[] lines) {
        List<String> out = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0)) || line.startsWith("-")) {
                flush(paragraph, out);
                out.add(line);
            } else {
                paragraph.append(paragraph.length() > 0 ? " " : "").append(line.strip());
            }
        }
        flush(paragraph, out);
        if (!out.isEmpty()) {
            Matcher end = FIRST_SENTENCE_END.matcher(out.get(0));
            if (end.find()) {
                String first = out.get(0);
                out.set(0, first.substring(0, end.start() + 1));
                out.add(1, first.substring(end.end()));
            }
        }
        return out.toArray(String[]::new);
    }

    private static void flush(StringBuilder paragraph, List<String> out) {
        if (paragraph.length() > 0) {
            out.add(paragraph.toString());
            paragraph.setLength(0);
        }
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
