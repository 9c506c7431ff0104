package dev.pgnest.cli.wal;

import dev.pgnest.cli.PgnestCommand;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.config.ValueSource;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSpool;
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
        PgnestConfig config = PgnestCommand.of(spec).config();
        return new WalAccess(config, RepositorySettings.storage(config.repository()).open());
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
        return spool(config);
    }

    static WalSpool spool(PgnestConfig config) {
        return WalSpool.at(config.global().get(Settings.WAL_SPOOL_DIR).orElse(null));
    }

    /**
     * The launcher's fast path reads no pgnest.yml and no flags: it finds the push endpoint in
     * $PGNEST_WAL_SPOOL_DIR or the default. Say so when the endpoint is published elsewhere, or
     * every archive_command silently starts a JVM.
     */
    static void warnWhenLauncherLooksElsewhere(PgnestConfig config, WalSpool spool) {
        var entry = config.global().entry(Settings.WAL_SPOOL_DIR);
        WalSpool launcherView = WalSpool.at(entry.source().kind() == ValueSource.Kind.ENV ? entry.value() : null);
        if (!launcherView.root().equals(spool.root())) {
            LOG.warn("wal push endpoint published in {}, but the launcher's fast path looks in {} (${} or the default): "
                            + "set {}={} for archive_command too, or each WAL file starts a JVM", spool.root(),
                    launcherView.root(), Settings.WAL_SPOOL_DIR.env(), Settings.WAL_SPOOL_DIR.env(), spool.root());
        }
    }

    @Override
    public void close() {
        storage.close();
    }
}
