package dev.pgnest.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commented example the packages install as /etc/pgnest/pgnest.yml: uncommented, pgnest accepts every key. */
class ExampleConfigTest {
    /** Commented-out YAML ("#targets:", "#  app:"), not prose ("# The database..."). */
    private static final Pattern COMMENTED_YAML = Pattern.compile("^#(?=[^ ]|  )", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void theExampleUncommentedIsAValidConfiguration() throws IOException {
        Path installed = Path.of("src/etc/pgnest.yml").toAbsolutePath();
        String example = Files.readString(installed);
        // as installed, all commented out: read, and nothing set
        assertThat(new ConfigLoader(installed, Map.of(), dir, Map.of()).load().targets()).containsOnlyKeys("default");

        Path uncommented = Files.writeString(dir.resolve("pgnest.yml"), COMMENTED_YAML.matcher(example).replaceAll(""));
        PgnestConfig config = new ConfigLoader(uncommented, Map.of(), dir, Map.of()).load();
        assertThat(config.target().name()).isEqualTo("app");
        assertThat(config.target().require(Settings.SCHEDULE_LOGICAL)).isNotNull();
        assertThat(config.repository().name()).isEqualTo("main");
        assertThat(config.repository().require(Settings.S3_BUCKET)).isEqualTo("backups");
    }
}
