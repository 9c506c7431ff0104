package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.config.ValueSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pgnest's local spool directory, shared by the processes around one server: the running
 * service publishes its push endpoint here ({@value #PUSH_ENDPOINT}), and {@code wal fetch}
 * prefetches segments into {@value #FETCH_DIR}/. The launcher script's fast paths look here
 * without starting a JVM, so the default must be computable in a shell:
 * {@code ${PGNEST_WAL_SPOOL_DIR:-/tmp/pgnest-spool-$EUID}} (the environment variable of
 * {@link Settings#WAL_SPOOL_DIR}, which callers resolve and pass to {@link #at}).
 */
public final class WalSpool {
    private static final Logger LOG = LoggerFactory.getLogger(WalSpool.class);
    public static final String PUSH_ENDPOINT = "push-endpoint";
    public static final String FETCH_DIR = "fetch";

    private final Path root;

    private WalSpool(Path root) {
        this.root = root;
    }

    /** The configured directory (wal.spool-dir), or when null the default for this OS user. */
    public static WalSpool at(Path configured) {
        return new WalSpool(configured != null ? configured : defaultDirectory());
    }

    /** The spool directory of a configuration: wal.spool-dir (a command's --spool-dir, …), else the OS user's default. */
    public static WalSpool of(PgnestConfig config) {
        return at(config.global().get(Settings.WAL_SPOOL_DIR).orElse(null));
    }

    /**
     * The launcher's fast path reads no pgnest.yml and no flags: it finds the push endpoint in
     * $PGNEST_WAL_SPOOL_DIR or the default. Say so when the endpoint is published elsewhere, or
     * every archive_command silently starts a JVM.
     */
    public static void warnWhenLauncherLooksElsewhere(PgnestConfig config, WalSpool spool) {
        var entry = config.global().entry(Settings.WAL_SPOOL_DIR);
        WalSpool launcherView = at(entry.source().kind() == ValueSource.Kind.ENV ? entry.value() : null);
        if (!launcherView.root().equals(spool.root())) {
            LOG.warn("wal push endpoint published in {}, but the launcher's fast path looks in {} (${} or the default): "
                            + "set {}={} for archive_command too, or each WAL file starts a JVM", spool.root(),
                    launcherView.root(), Settings.WAL_SPOOL_DIR.env(), Settings.WAL_SPOOL_DIR.env(), spool.root());
        }
    }

    private static Path defaultDirectory() {
        Object uid;
        try {
            uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            uid = System.getProperty("user.name");
        }
        return Path.of("/tmp", "pgnest-spool-" + uid);
    }

    public Path root() {
        return root;
    }

    public Path pushEndpoint() {
        return root.resolve(PUSH_ENDPOINT);
    }

    public Path fetchDirectory() {
        return root.resolve(FETCH_DIR);
    }

    /** Creates the directory (mode 0700: it holds the endpoint's token) if needed. */
    public WalSpool create() {
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(fetchDirectory());
            return this;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot use the spool directory " + root + ": " + e.getMessage(),
                    "set " + Settings.WAL_SPOOL_DIR.key() + " (" + Settings.WAL_SPOOL_DIR.env()
                            + ") to a local directory the server's OS user owns");
        }
    }
}
