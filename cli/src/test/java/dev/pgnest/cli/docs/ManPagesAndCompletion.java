package dev.pgnest.cli.docs;

import dev.pgnest.config.ExitCode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build-time generator (cli's pom runs it at {@code package}; a test class so that
 * picocli-codegen never reaches the runnable jar) of shell completion and man pages, from the
 * same command tree {@code pgnest} parses with:
 * <ul>
 * <li>{@code completion/pgnest.bash}: picocli's AutoComplete script, for bash and for zsh
 * ({@code autoload -U +X bashcompinit && bashcompinit}, then {@code source} it);</li>
 * <li>{@code man/adoc/*.adoc}: picocli's ManPageGenerator AsciiDoc sources, one per command
 * (asciidoctor {@code -b manpage} turns them into troff);</li>
 * <li>{@code man/man1/*.1}: troff pages written here directly from the model (no asciidoctor
 * in the build: its JRuby would add tens of seconds to every launcher rebuild).</li>
 * </ul>
 */
public final class ManPagesAndCompletion {
    private ManPagesAndCompletion() {
    }

    /** {@code args[0]}: the output directory (cli/target); args[1]: the version. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target");
        String version = args.length > 1 ? args[1] : "";
        CommandLine root = CommandModel.tree();

        Path completion = Files.createDirectories(out.resolve("completion"));
        Files.writeString(completion.resolve("pgnest.bash"), AutoComplete.bash("pgnest", root));

        List<CommandLine> commands = CommandModel.commands(root);
        Path adoc = Files.createDirectories(out.resolve("man/adoc"));
        // one page per command: the generator descends into the subcommands itself
        int status = ManPageGenerator.generateManPage(adoc.toFile(), (File) null, new boolean[0], false, root.getCommandSpec());
        if (status != 0) {
            throw new IllegalStateException("ManPageGenerator failed with status " + status);
        }
        Path man1 = Files.createDirectories(out.resolve("man/man1"));
        for (CommandLine cl : commands) {
            Files.writeString(man1.resolve(pageName(cl.getCommandSpec()) + ".1"), troff(cl, version));
        }
        System.out.println("wrote " + completion.resolve("pgnest.bash") + ", " + commands.size()
                + " man pages in " + man1 + " and their AsciiDoc sources in " + adoc);
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** One command's man page in troff (man(7) macros). */
    static String troff(CommandLine cl, String version) {
        CommandSpec spec = cl.getCommandSpec();
        CommandLine.Help help = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        StringBuilder b = new StringBuilder();
        b.append(".\\\" generated from pgnest's command model by ").append(ManPagesAndCompletion.class.getName()).append('\n');
        b.append(".TH \"").append(esc(pageName(spec).toUpperCase(Locale.ROOT))).append("\" 1 \"\" \"pgnest ")
                .append(esc(version)).append("\" \"pgnest Manual\"\n");
        b.append(".SH NAME\n").append(esc(pageName(spec))).append(" \\- ").append(esc(CommandModel.summary(spec))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n").append(esc(help.synopsis(0).stripTrailing())).append("\n.fi\n");
        if (spec.usageMessage().description().length > 0) {
            b.append(".SH DESCRIPTION\n");
            paragraphs(b, spec.usageMessage().description());
        }
        List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!positionals.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : positionals) {
                item(b, p.paramLabel(), p);
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                String label = String.join(", ", o.names()) + (o.arity().max() > 0 ? " " + o.paramLabel() : "");
                item(b, label, o);
            }
        }
        List<CommandLine> subcommands = cl.getSubcommands().entrySet().stream()
                .filter(e -> e.getKey().equals(e.getValue().getCommandName()) && !e.getKey().equals("help"))
                .map(java.util.Map.Entry::getValue)
                .filter(s -> !s.getCommandSpec().usageMessage().hidden()).toList();
        if (!subcommands.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandLine sub : subcommands) {
                b.append(".TP\n.B ").append(esc(sub.getCommandName())).append('\n')
                        .append(esc(CommandModel.summary(sub.getCommandSpec()))).append('\n');
            }
        }
        if (spec.parent() == null) {
            b.append(".SH EXIT STATUS\n");
            for (ExitCode code : ExitCode.values()) {
                b.append(".TP\n.B ").append(code.status()).append('\n').append(esc(code.description())).append('\n');
            }
        }
        if (!subcommands.isEmpty() || spec.parent() != null) {
            b.append(".SH SEE ALSO\n");
            String seeAlso = java.util.stream.Stream.concat(
                            spec.parent() == null ? java.util.stream.Stream.<String>empty() : java.util.stream.Stream.of(pageName(spec.parent())),
                            subcommands.stream().map(s -> pageName(s.getCommandSpec())))
                    .map(n -> "\\fB" + esc(n) + "\\fR(1)").collect(Collectors.joining(", "));
            b.append(seeAlso).append('\n');
        }
        return b.toString();
    }

    private static void item(StringBuilder b, String label, ArgSpec arg) {
        b.append(".TP\n.B ").append(esc(label)).append('\n');
        String text = Arrays.stream(arg.description()).map(ManPagesAndCompletion::format).collect(Collectors.joining(" "));
        b.append(esc(text.strip())).append('\n');
    }

    /** The description's lines, as CommandTree made them: one paragraph each, indented ones kept apart. */
    private static void paragraphs(StringBuilder b, String[] lines) {
        boolean first = true;
        for (String line : lines) {
            String paragraph = format(line);
            if (paragraph.isBlank()) {
                continue;
            }
            if (!first) {
                b.append(Character.isWhitespace(paragraph.charAt(0)) ? ".br\n" : ".PP\n");
            }
            b.append(esc(paragraph.stripTrailing())).append('\n');
            first = false;
        }
    }

    private static String format(String s) {
        try {
            return String.format(Locale.ROOT, s);
        } catch (java.util.IllegalFormatException e) {
            return s;
        }
    }

    /** Escapes text for troff: backslashes, hyphens, and a control character at a line's start. */
    static String esc(String s) {
        String text = s.replace("\\", "\\e").replace("-", "\\-");
        return Arrays.stream(text.split("\n", -1))
                .map(line -> line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line)
                .collect(Collectors.joining("\n"));
    }
}
