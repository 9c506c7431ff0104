package dev.pgnest.serve;

import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wal push fast path inside {@code pgnest serve}: a loopback endpoint for the selected
 * target, published in the spool directory. Optional: when it cannot start, serve runs on and
 * {@code wal push} uses its direct path.
 */
public final class WalPushEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalPushEndpoint.class);

    private final Storage storage;
    private final WalPushService service;

    private WalPushEndpoint(Storage storage, WalPushService service) {
        this.storage = storage;
        this.service = service;
    }

    /** Starts the endpoint (settings wal.push-port, wal.push-parallelism, wal.spool-dir). */
    public static WalPushEndpoint start(PgnestConfig config) {
        Storage storage = null;
        try {
            storage = RepositorySettings.storage(config.repository()).open();
            Repository.open(storage);
            var repo = config.repository();
            String target = config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME);
            WalArchive archive = new WalArchive(storage, target, RepositorySettings.compression(repo),
                    RepositorySettings.compressionLevel(repo));
            var global = config.global();
            WalSpool spool = WalSpool.of(config);
            WalPushService service = WalPushService.start(archive, spool, global.require(Settings.WAL_PUSH_PORT),
                    global.require(Settings.WAL_PUSH_PARALLELISM));
            WalSpool.warnWhenLauncherLooksElsewhere(config, spool);
            return new WalPushEndpoint(storage, service);
        } catch (RuntimeException e) {
            LOG.warn("wal push endpoint not started ({}); archive_command uses the direct path", e.getMessage());
            if (storage != null) {
                storage.close();
            }
            return new WalPushEndpoint(null, null);
        }
    }

    @Override
    public void close() {
        if (service != null) {
            service.close();
        }
        if (storage != null) {
            storage.close();
        }
    }
}
