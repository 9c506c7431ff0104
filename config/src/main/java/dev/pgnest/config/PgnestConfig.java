package dev.pgnest.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration: globals, every target and repository of pgnest.yml, and which
 * target and repository this command works on. Environment variables and flags apply to the
 * selected target and repository only.
 */
public final class PgnestConfig {
    /** The target's or repository's name when pgnest.yml names none (the target and repository settings' default). */
    public static final String DEFAULT_NAME = "default";

    private final Path file;
    private final SettingValues global;
    private final Map<String, SettingValues> targets;
    private final Map<String, SettingValues> repositories;
    private final Selection targetSelection;
    private final Selection repositorySelection;

    /** The chosen name, or why none could be chosen (reported only when it is needed). */
    record Selection(String name, PgnestException problem) {
    }

    PgnestConfig(Path file, SettingValues global, Map<String, SettingValues> targets,
                 Map<String, SettingValues> repositories, Selection targetSelection, Selection repositorySelection) {
        this.file = file;
        this.global = global;
        this.targets = targets;
        this.repositories = repositories;
        this.targetSelection = targetSelection;
        this.repositorySelection = repositorySelection;
    }

    /** The pgnest.yml that was read, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    public SettingValues global() {
        return global;
    }

    /** The selected target; a configuration error when the selection is ambiguous or unknown. */
    public SettingValues target() {
        if (targetSelection.problem() != null) {
            throw targetSelection.problem();
        }
        return targets.get(targetSelection.name());
    }

    /** The selected repository; a configuration error when the selection is ambiguous or unknown. */
    public SettingValues repository() {
        if (repositorySelection.problem() != null) {
            throw repositorySelection.problem();
        }
        return repositories.get(repositorySelection.name());
    }

    /**
     * The repositories the selected target keeps its WAL in, in order: those its
     * {@code repositories} setting names, else the selected repository alone.
     */
    public List<SettingValues> targetRepositories() {
        List<String> names = target().get(Settings.TARGET_REPOSITORIES).orElse(List.of());
        if (names.isEmpty()) {
            return List.of(repository());
        }
        return names.stream().map(repositories::get).toList();
    }

    /** Whether the repository was chosen (--repo, PGNEST_REPOSITORY, repository: in pgnest.yml), not defaulted. */
    public boolean repositoryChosen() {
        ValueSource.Kind kind = global.entry(Settings.REPOSITORY_NAME).source().kind();
        return kind != ValueSource.Kind.DEFAULT && kind != ValueSource.Kind.UNSET;
    }

    public Optional<String> selectedTargetName() {
        return Optional.ofNullable(targetSelection.problem() == null ? targetSelection.name() : null);
    }

    public Optional<String> selectedRepositoryName() {
        return Optional.ofNullable(repositorySelection.problem() == null ? repositorySelection.name() : null);
    }

    /** All targets: those of pgnest.yml plus the selected one. */
    public Map<String, SettingValues> targets() {
        return targets;
    }

    public Map<String, SettingValues> repositories() {
        return repositories;
    }

    /** How to connect to the selected target; fails naming the setting when the URL is missing. */
    public DatabaseConnection connection() {
        return connection(target());
    }

    /** How to connect to a target of pgnest.yml (url, user, password); fails naming the setting when the URL is missing. */
    public static DatabaseConnection connection(SettingValues target) {
        return DatabaseConnection.parse(target.require(Settings.DATABASE_URL),
                target.get(Settings.DB_USER).orElse(null), target.get(Settings.DB_PASSWORD).orElse(null));
    }
}
