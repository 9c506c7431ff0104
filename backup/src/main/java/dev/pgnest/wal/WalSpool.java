package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * pgnest's local spool directory, shared by the processes around one server: the running
 * service publishes its push endpoint here ({@value #PUSH_ENDPOINT}), and {@code wal fetch}
 * prefetches segments into {@value #FETCH_DIR}/. The launcher script's fast paths look here
 * without starting a JVM, so the default must be computable in a shell:
 * {@code ${PGNEST_WAL_SPOOL_DIR:-/tmp/pgnest-spool-$EUID}} (the environment variable of
 * {@link Settings#WAL_SPOOL_DIR}, which callers resolve and pass to {@link #at}).
 */
public final class WalSpool {
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
