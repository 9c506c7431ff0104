package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a WAL or physical backup command needs from the configuration: the repository (format
 * checked), the selected target's WAL archive with the repository's compression, and the
 * target's connection.
 */
public final class WalAccess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalAccess.class);
    private final PgnestConfig config;
    private final Storage storage;
    private final Repository repository;
    private final WalArchive archive;

    private WalAccess(PgnestConfig config, Storage storage) {
        this.config = config;
        this.storage = storage;
        try {
            this.repository = Repository.open(storage);
            var repo = config.repository();
            this.archive = new WalArchive(storage, target(config), RepositorySettings.compression(repo),
                    RepositorySettings.compressionLevel(repo));
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    public static WalAccess open(CommandSpec spec) {
        PgnestConfig config = CommandContext.of(spec).config();
        return new WalAccess(config, RepositorySettings.storage(config.repository()).open());
    }

    /**
     * The target's WAL archive in each of its repositories (targets.NAME.repositories; the
     * selected repository first), for wal push and fetch. With several, one that cannot be
     * reached now is kept: its pushes are queued, its fetches fall back to the others.
     */
    public static WalArchives archives(CommandSpec spec) {
        PgnestConfig config = CommandContext.of(spec).config();
        String target = target(config);
        List<SettingValues> repos = new ArrayList<>(config.targetRepositories());
        SettingValues selected = config.repository();
        if (repos.removeIf(r -> r.name().equals(selected.name()))) {
            repos.add(0, selected);
        }
        Map<String, WalArchive> archives = new LinkedHashMap<>();
        List<Storage> storages = new ArrayList<>();
        try {
            for (SettingValues repo : repos) {
                Storage storage = RepositorySettings.storage(repo).open();
                storages.add(storage);
                try {
                    Repository.open(storage);
                } catch (StorageException e) {
                    if (repos.size() == 1) {
                        throw e;
                    }
                    LOG.warn("repository {} is not reachable now ({}); its WAL is queued or read from the others",
                            repo.name(), e.getMessage());
                }
                archives.put(repo.name(), new WalArchive(storage, target, RepositorySettings.compression(repo),
                        RepositorySettings.compressionLevel(repo)));
            }
            int acknowledge = config.target().require(Settings.WAL_PUSH_ACKNOWLEDGE);
            return WalArchives.of(archives, acknowledge, WalSpool.of(config), storages);
        } catch (RuntimeException e) {
            storages.forEach(Storage::close);
            throw e;
        }
    }

    private static String target(PgnestConfig config) {
        config.target(); // surfaces an ambiguous or unknown selection
        return config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME);
    }

    public PgnestConfig config() {
        return config;
    }

    public Repository repository() {
        return repository;
    }

    public WalArchive archive() {
        return archive;
    }

    public String target() {
        return archive.target();
    }

    public DatabaseConnection connection() {
        return config.connection();
    }

    /** The spool directory: wal.spool-dir (a command's --spool-dir, …), else the OS user's default. */
    public WalSpool spool() {
        return WalSpool.of(config);
    }

    @Override
    public void close() {
        storage.close();
    }
}
