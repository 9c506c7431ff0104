package dev.pgnest.cli.migrate;

import dev.pgnest.cli.PgnestCommand;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Scope;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** What every migrate command shares: where the migrations are, and the configured target. */
public final class MigrationOptions {
    /** Prisma keeps prisma/migrations; pgnest's default sits at the project root. */
    public static final String DEFAULT_DIRECTORY = "db/migrations";

    /** Process environment lookups (RUN_MIGRATIONS); tests substitute their own. */
    static UnaryOperator<String> environment = System::getenv;

    @Option(names = "--migrations", paramLabel = "LOCATION",
            description = "Migration directory or Flyway location (filesystem:DIR, classpath:PKG); repeatable"
                    + " (default: " + DEFAULT_DIRECTORY + ").")
    List<String> locations = new ArrayList<>();

    List<String> flywayLocations() {
        if (locations.isEmpty()) {
            return List.of("filesystem:" + DEFAULT_DIRECTORY);
        }
        return locations.stream()
                .map(l -> l.startsWith("filesystem:") || l.startsWith("classpath:") ? l : "filesystem:" + l)
                .toList();
    }

    /** The first directory among the locations: where create puts new files and lint looks. */
    Path directory() {
        return flywayLocations().stream().filter(l -> l.startsWith("filesystem:"))
                .map(l -> Path.of(l.substring("filesystem:".length()))).findFirst()
                .orElse(Path.of(DEFAULT_DIRECTORY));
    }

    MigrationSettings settings(CommandSpec spec) {
        return new MigrationSettings(target(spec), flywayLocations());
    }

    static DatabaseTarget target(CommandSpec spec) {
        PgnestConfig config = PgnestCommand.of(spec).config();
        DatabaseConnection c = config.connection();
        return new DatabaseTarget(config.selectedTargetName().orElse("default"), c.jdbcUrl(), c.user(), c.password(),
                environmentOf(config.target()));
    }

    /**
     * PROTECTED from the target's {@code protected} setting; DEVELOPMENT from a
     * {@code development} setting once config declares one; otherwise STANDARD.
     */
    static Environment environmentOf(SettingValues target) {
        if (target.get(Settings.PROTECTED).orElse(false)) {
            return Environment.PROTECTED;
        }
        Optional<Boolean> development = Settings.byKey(Scope.TARGET, "development")
                .flatMap(s -> target.get(s)).map(v -> Boolean.TRUE.equals(v));
        return development.orElse(false) ? Environment.DEVELOPMENT : Environment.STANDARD;
    }
}
