package dev.pgnest.cli.backup;

import dev.pgnest.cli.PgnestCommand;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The configured repository, opened for one command: storage from the repository settings,
 * the format checked by {@link Repository#open}, and the selected target's name.
 */
public final class RepositoryAccess implements AutoCloseable {
    private final PgnestConfig config;
    private final Storage storage;

    private RepositoryAccess(PgnestConfig config, Storage storage) {
        this.config = config;
        this.storage = storage;
    }

    public static RepositoryAccess open(CommandSpec spec) {
        PgnestConfig config = PgnestCommand.of(spec).config();
        return new RepositoryAccess(config, RepositorySettings.storage(config.repository()).open());
    }

    public PgnestConfig config() {
        return config;
    }

    public Storage storage() {
        return storage;
    }

    /** The initialized repository; an error naming {@code pgnest repo init} otherwise. */
    public Repository repository() {
        return Repository.open(storage);
    }

    /** The selected target's name (the repository directory its backups live in). */
    public String target() {
        config.target(); // surfaces an ambiguous or unknown selection
        return config.selectedTargetName().orElse("default");
    }

    public Path pgBinDir() {
        return config.global().get(Settings.PG_BIN_DIR).orElse(null);
    }

    @Override
    public void close() {
        storage.close();
    }
}
