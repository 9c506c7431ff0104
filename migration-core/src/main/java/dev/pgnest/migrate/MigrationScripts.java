package dev.pgnest.migrate;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flywaydb.core.api.MigrationInfo;

/** Reads a resolved migration's SQL text from its Flyway location. */
final class MigrationScripts {
    private final List<String> locations;
    private final ClassLoader classLoader;

    MigrationScripts(List<String> locations, ClassLoader classLoader) {
        this.locations = locations;
        this.classLoader = classLoader;
    }

    String read(MigrationInfo info) {
        try {
            String physical = info.getPhysicalLocation();
            if (physical != null && !physical.isBlank() && Files.isRegularFile(Path.of(physical))) {
                return Files.readString(Path.of(physical), StandardCharsets.UTF_8);
            }
            for (String location : locations) {
                if (location.startsWith("classpath:")) {
                    String base = location.substring("classpath:".length()).replaceAll("^/+|/+$", "");
                    try (InputStream in = classLoader.getResourceAsStream(base + "/" + info.getScript())) {
                        if (in != null) {
                            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }
                } else {
                    String base = location.startsWith("filesystem:") ? location.substring("filesystem:".length()) : location;
                    Path file = Path.of(base).resolve(info.getScript());
                    if (Files.isRegularFile(file)) {
                        return Files.readString(file, StandardCharsets.UTF_8);
                    }
                }
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.MIGRATION, "cannot read migration " + info.getScript() + ": " + e.getMessage(),
                    "check the file's permissions", e);
        }
        throw new PgnestException(ErrorKind.MIGRATION, "cannot find the file of migration " + info.getScript()
                + " in " + String.join(", ", locations), "check the migration locations");
    }
}
