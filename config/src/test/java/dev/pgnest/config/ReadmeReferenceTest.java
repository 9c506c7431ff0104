package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README's configuration reference must be exactly what the declarations generate. To
 * regenerate it: {@code ./mvnw -q test -pl config -Dpgnest.updateReadme=true}.
 */
class ReadmeReferenceTest {
    private static final String START = "<!-- settings-reference:start -->";
    private static final String END = "<!-- settings-reference:end -->";

    @Test
    void readmeReferenceMatchesTheDeclarations() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        assertThat(start).as("README.md has the %s marker", START).isNotNegative();
        assertThat(end).as("README.md has the %s marker", END).isGreaterThan(start);
        String current = text.substring(start + START.length(), end);
        String expected = SettingsReference.markdown() + "\n";
        if (Boolean.getBoolean("pgnest.updateReadme") && !current.equals(expected)) {
            Files.writeString(readme, text.substring(0, start + START.length()) + expected + text.substring(end));
            return;
        }
        assertThat(current)
                .as("README's configuration reference is stale: run ./mvnw -q test -pl config -Dpgnest.updateReadme=true")
                .isEqualTo(expected);
    }

    @Test
    void everySettingIsDescribedAndSecretsHaveNoFlag() {
        for (Setting<?> s : Settings.ALL) {
            assertThat(s.description()).as(s.key()).isNotBlank();
            assertThat(s.env()).as(s.key()).matches("[A-Z][A-Z0-9_]*");
            if (s.secret()) {
                assertThat(s.flag()).as("secret %s must not have a flag", s.key()).isNull();
            }
        }
        assertThat(Settings.ALL.stream().map(Setting::env).distinct().count()).isEqualTo(Settings.ALL.size());
    }
}
