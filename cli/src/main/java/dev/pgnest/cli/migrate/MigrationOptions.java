package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeploySafety;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.lint.RuleSeverities;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** What every migrate command shares: where the migrations are, and the configured target. */
public final class MigrationOptions {
    private MigrationOptions() {
    }

    /** Prisma keeps prisma/migrations; pgnest's default (the migrations setting's) sits at the project root. */
    public static final String DEFAULT_DIRECTORY = Settings.MIGRATIONS.defaultValue().get(0);

    /** The target's {@code migrations} setting (flag --migrations, PGNEST_MIGRATIONS, pgnest.yml) as Flyway locations. */
    static List<String> flywayLocations(CommandSpec spec) {
        List<String> locations = CommandContext.of(spec).config().target().require(Settings.MIGRATIONS);
        return locations.stream()
                .map(l -> l.startsWith("filesystem:") || l.startsWith("classpath:") ? l : "filesystem:" + l)
                .toList();
    }

    /** The first directory among the locations: where create puts new files and lint looks. */
    static Path directory(CommandSpec spec) {
        return flywayLocations(spec).stream().filter(l -> l.startsWith("filesystem:"))
                .map(l -> Path.of(l.substring("filesystem:".length()))).findFirst()
                .orElse(Path.of(DEFAULT_DIRECTORY));
    }

    static MigrationSettings settings(CommandSpec spec) {
        return new MigrationSettings(target(spec), flywayLocations(spec)).withLint(lintSeverities(spec))
                .withSafety(DeploySafety.of(CommandContext.of(spec).config().target()));
    }


    /** The shadow-url setting as a JDBC URL (it takes the target's credentials unless it carries its own); null when unset. */
    static String shadowJdbcUrl(CommandSpec spec) {
        return CommandContext.of(spec).config().target().get(Settings.SHADOW_URL)
                .map(u -> u.startsWith("jdbc:") ? u : "jdbc:" + u.replaceFirst("^postgres(ql)?:", "postgresql:"))
                .orElse(null);
    }

    /** The target's lint.severity setting. */
    static RuleSeverities lintSeverities(CommandSpec spec) {
        return RuleSeverities.parse(CommandContext.of(spec).config().target().get(Settings.LINT_SEVERITY).orElse(List.of()));
    }

    static DatabaseTarget target(CommandSpec spec) {
        PgnestConfig config = CommandContext.of(spec).config();
        DatabaseConnection c = config.connection();
        return new DatabaseTarget(config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME), c.jdbcUrl(), c.user(), c.password(),
                environmentOf(config.target()));
    }

    /** PROTECTED from the target's {@code protected} setting, DEVELOPMENT from {@code development}, else STANDARD. */
    static Environment environmentOf(SettingValues target) {
        if (target.require(Settings.PROTECTED)) {
            return Environment.PROTECTED;
        }
        return target.require(Settings.DEVELOPMENT) ? Environment.DEVELOPMENT : Environment.STANDARD;
    }
}
