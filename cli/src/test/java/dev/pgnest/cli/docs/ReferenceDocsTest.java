package dev.pgnest.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The generated reference pages (commands, configuration, exit codes) must be what the code
 * generates now. To regenerate them, from the repository root: {@value ReferenceDocs#REGENERATE}.
 */
class ReferenceDocsTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void generatedReferencePagesAreCurrent() throws IOException {
        boolean write = Boolean.getBoolean("pgnest.docs.write");
        for (ReferenceDocs.Page page : ReferenceDocs.pages()) {
            Path file = ROOT.resolve(page.path());
            String text = Files.readString(file);
            String expected = ReferenceDocs.render(text, page);
            if (write && !expected.equals(text)) {
                Files.writeString(file, expected);
                continue;
            }
            assertThat(text)
                    .as("%s is stale: regenerate it from the repository root with%n  %s", page.path(), ReferenceDocs.REGENERATE)
                    .isEqualTo(expected);
        }
    }

    @Test
    void theExitCodesOfTheFooterAreTheDeclaredOnes() {
        String help = CommandModel.usage(CommandModel.tree());
        for (dev.pgnest.config.ExitCode code : dev.pgnest.config.ExitCode.values()) {
            assertThat(help).as("pgnest --help names exit code %s", code.status())
                    .containsPattern("(?m)^  " + code.status() + "  \\S");
        }
    }
}
