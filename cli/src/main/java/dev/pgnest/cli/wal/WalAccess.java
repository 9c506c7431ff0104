package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a WAL or physical backup command needs from the configuration: the repository (format
 * checked), the selected target's WAL archive with the repository's compression, and the
 * target's connection.
 */
public final class WalAccess implements AutoCloseable {
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

    /** The target's WAL archive in each of its repositories, for wal push and serve (see {@link WalArchives#forPush}). */
    public static WalArchives forPush(CommandSpec spec) {
        return WalArchives.forPush(CommandContext.of(spec).config());
    }

    /** The archives wal fetch reads (see {@link WalArchives#forFetch}). */
    public static WalArchives forFetch(CommandSpec spec) {
        return WalArchives.forFetch(CommandContext.of(spec).config());
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
