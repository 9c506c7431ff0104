package dev.pgnest.cli.backup;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The configured repository, opened for one command: storage from the repository settings
 * (opened on first use, possibly on another thread: a logical backup opens it in the
 * background while pg_dump starts), the format checked by {@link Repository#open}, and the
 * selected target's name.
 */
public final class RepositoryAccess implements AutoCloseable {
    private final PgnestConfig config;
    private final StorageConfig storageConfig;
    private Storage storage;
    private boolean closed;

    private RepositoryAccess(PgnestConfig config, StorageConfig storageConfig) {
        this.config = config;
        this.storageConfig = storageConfig;
    }

    /** Reads (and so checks) the repository settings; the storage itself opens on first use. */
    public static RepositoryAccess open(CommandSpec spec) {
        PgnestConfig config = CommandContext.of(spec).config();
        return new RepositoryAccess(config, RepositorySettings.storage(config.repository()));
    }

    /** One repository of pgnest.yml (of the target's several), not the selected one. */
    public static RepositoryAccess open(CommandSpec spec, SettingValues repository) {
        return new RepositoryAccess(CommandContext.of(spec).config(), RepositorySettings.storage(repository));
    }

    /**
     * The repositories a listing covers: the one --repo (PGNEST_REPOSITORY, repository:) names,
     * else each of the target's repositories.
     */
    public static List<SettingValues> listed(CommandSpec spec) {
        PgnestConfig config = CommandContext.of(spec).config();
        return config.repositoryChosen() ? List.of(config.repository()) : config.targetRepositories();
    }

    public PgnestConfig config() {
        return config;
    }

    public synchronized Storage storage() {
        if (closed) {
            throw new IllegalStateException("repository access already closed");
        }
        if (storage == null) {
            storage = storageConfig.open();
        }
        return storage;
    }

    /** The initialized repository; an error naming {@code pgnest repo init} otherwise. */
    public Repository repository() {
        return Repository.open(storage());
    }

    /** The selected target's name (the repository directory its backups live in). */
    public String target() {
        config.target(); // surfaces an ambiguous or unknown selection
        return config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME);
    }

    public Path pgBinDir() {
        return config.global().get(Settings.PG_BIN_DIR).orElse(null);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (storage != null) {
            storage.close();
        }
    }
}
