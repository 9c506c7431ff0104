package dev.pgnest.serve;

import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.WalArchives;
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

    private final WalArchives archives;
    private final WalPushService service;

    private WalPushEndpoint(WalArchives archives, WalPushService service) {
        this.archives = archives;
        this.service = service;
    }

    /**
     * Starts the endpoint (settings wal.push-port, wal.push-parallelism, wal.spool-dir), pushing
     * into every repository of the target.
     */
    public static WalPushEndpoint start(PgnestConfig config) {
        WalArchives archives = null;
        try {
            archives = WalArchives.forPush(config);
            var global = config.global();
            WalSpool spool = WalSpool.of(config);
            WalPushService service = WalPushService.start(archives, spool, global.require(Settings.WAL_PUSH_PORT),
                    global.require(Settings.WAL_PUSH_PARALLELISM));
            WalSpool.warnWhenLauncherLooksElsewhere(config, spool);
            return new WalPushEndpoint(archives, service);
        } catch (RuntimeException e) {
            LOG.warn("wal push endpoint not started ({}); archive_command uses the direct path", e.getMessage());
            if (archives != null) {
                archives.close();
            }
            return new WalPushEndpoint(null, null);
        }
    }

    @Override
    public void close() {
        if (service != null) {
            service.close();
        }
        if (archives != null) {
            archives.close();
        }
    }
}
