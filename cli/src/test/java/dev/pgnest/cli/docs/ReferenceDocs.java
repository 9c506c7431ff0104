package dev.pgnest.cli.docs;

import dev.pgnest.config.ExitCodeReference;
import dev.pgnest.config.SettingsReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * The generated reference pages: the part of each page between {@link #START} and {@link #END}
 * is written from the code (the picocli model, {@code Settings}, {@code ExitCode}); the prose
 * around it is hand-written. {@link ReferenceDocsTest} fails when a page is stale; this main
 * (or that test with {@code -Dpgnest.docs.write=true}) rewrites them.
 */
public final class ReferenceDocs {
    static final String START = "<!-- generated:start: do not edit by hand, see docs/README.md#generated-pages -->";
    static final String END = "<!-- generated:end -->";
    static final String REGENERATE = "./mvnw -B -ntp -q -pl cli -am test -Dtest=ReferenceDocsTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dpgnest.docs.write=true";

    /** One generated page: its path under the repository root and the generated part. */
    record Page(String path, String generated) {
    }

    private ReferenceDocs() {
    }

    static List<Page> pages() {
        return List.of(
                new Page("docs/reference/commands.md", commands()),
                new Page("docs/reference/configuration.md", SettingsReference.markdown()),
                new Page("docs/reference/exit-codes.md", "\n" + ExitCodeReference.markdown()));
    }

    /** The page's text with its generated part replaced. */
    static String render(String text, Page page) {
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        if (start < 0 || end < start) {
            throw new IllegalStateException(page.path() + " lacks the markers " + START + " … " + END);
        }
        return text.substring(0, start + START.length()) + page.generated() + "\n" + text.substring(end);
    }

    static String commands() {
        CommandLine root = CommandModel.tree();
        List<CommandLine> commands = CommandModel.commands(root);
        StringBuilder b = new StringBuilder("\n| command | what it does |\n|---|---|\n");
        for (CommandLine cl : commands) {
            String name = cl.getCommandSpec().qualifiedName();
            b.append("| [`").append(name).append("`](#").append(name.replace(' ', '-')).append(") | ")
                    .append(CommandModel.summary(cl.getCommandSpec()).replace("|", "\\|").replace("<", "&lt;")).append(" |\n");
        }
        for (CommandLine cl : commands) {
            b.append("\n## ").append(cl.getCommandSpec().qualifiedName()).append("\n\n```text\n")
                    .append(CommandModel.usage(cl).stripTrailing()).append("\n```\n");
        }
        return b.toString();
    }

    /** Rewrites the generated pages under {@code args[0]} (default: the current directory). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        for (Page page : pages()) {
            Path file = root.resolve(page.path());
            String text = Files.readString(file);
            String rendered = render(text, page);
            if (!rendered.equals(text)) {
                Files.writeString(file, rendered);
                System.out.println("rewrote " + page.path());
            }
        }
    }
}
