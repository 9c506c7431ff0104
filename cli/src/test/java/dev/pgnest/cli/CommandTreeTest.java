package dev.pgnest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.backup.BackupLogicalCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandTreeTest {
    @TempDir
    Path dir;

    @Test
    void buildsOnlyTheNamedBranch() {
        CommandLine cl = PgnestCommand.commandLine(Map.of(), dir, "backup", "logical", "--target", "app");
        assertThat((Object) cl.getSubcommands().get("repo").getCommand()).isInstanceOf(CommandTree.Elsewhere.class);
        CommandLine backup = cl.getSubcommands().get("backup");
        assertThat((Object) backup.getSubcommands().get("list").getCommand()).isInstanceOf(CommandTree.Elsewhere.class);
        assertThat((Object) backup.getSubcommands().get("logical").getCommand()).isInstanceOf(BackupLogicalCommand.class);
        assertThat(cl.parseArgs("backup", "logical", "--target", "app").asCommandLineList())
                .last().extracting(c -> (Object) c.getCommand()).isInstanceOf(BackupLogicalCommand.class);
    }

    @Test
    void everyCommandsHelpIsTheFullTreesHelp() {
        List<String[]> paths = new ArrayList<>();
        collect(PgnestCommand.commandLine(Map.of(), dir), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(30);
        // picocli reports a description it cannot format (an unescaped %) on System.err
        PrintStream systemErr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true));
        try {
            for (String[] path : paths) {
                String[] args = Arrays.copyOf(path, path.length + 1);
                args[path.length] = "--help";
                assertThat(run(PgnestCommand.commandLine(Map.of(), dir, args), args))
                        .as("pgnest %s --help", String.join(" ", path))
                        .isEqualTo(run(PgnestCommand.commandLine(Map.of(), dir), args));
            }
        } finally {
            System.setErr(systemErr);
        }
        assertThat(warnings.toString()).as("picocli's warnings").doesNotContain("picocli");
    }

    @Test
    void descriptionsAreParagraphsWithTheFirstSentenceFirst() {
        assertThat(CommandTree.paragraphs(new String[] {
                "Archive one WAL file, e.g. for archive_command. Exits 0 only once the file is",
                "stored; fails otherwise.",
                "  pgnest wal push %p",
                "- an item",
                "Then more."}))
                .containsExactly("Archive one WAL file, e.g. for archive_command.",
                        "Exits 0 only once the file is stored; fails otherwise.",
                        "  pgnest wal push %p", "- an item", "Then more.");
        assertThat(CommandTree.paragraphs(new String[] {"One sentence", "over two lines."}))
                .containsExactly("One sentence over two lines.");
        assertThat(CommandTree.paragraphs(new String[0])).isEmpty();
    }

    @Test
    void helpAndUsageErrorsAreTheFullTrees() {
        for (String[] args : List.of(new String[] {"help", "backup"}, new String[] {"backup", "lgical"},
                new String[] {"backup", "logical", "--no-such-flag"}, new String[] {"backup"}, new String[] {"--version"},
                // picocli refuses an option value that names a command; the branch must not change that
                new String[] {"--target", "repo", "backup", "logical"}, new String[] {"--target=repo", "backup", "logical"})) {
            assertThat(run(PgnestCommand.commandLine(Map.of(), dir, args), args))
                    .as("pgnest %s", String.join(" ", args))
                    .isEqualTo(run(PgnestCommand.commandLine(Map.of(), dir), args));
        }
        assertThat(run(PgnestCommand.commandLine(Map.of(), dir, "backup", "lgical"), "backup", "lgical"))
                .startsWith("exit 2\n").contains("lgical");
    }

    /** Exit code, stdout and stderr of one run, as one string to compare. */
    private static String run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }

    private static void collect(CommandLine cl, List<String> path, List<String[]> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName()) || name.equals("help")) {
                return;
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            out.add(p.toArray(String[]::new));
            collect(sub, p, out);
        });
    }
}
