package dev.pgnest.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An S3-compatible server on loopback that pgnest starts for itself: the demo's store and the
 * tests'. Its implementation (S3Proxy, a large tree) lives in the separate {@code pgnest-demo}
 * artifact, never in the runnable jar; this interface uses JDK types only, so that the runnable
 * jar can load an implementation from that other jar.
 *
 * <p>It lives here, in the module at the root of every jar, because both sides need it and
 * neither may depend on the other: the store's module is a dependency of the test harness,
 * which the storage module's tests use.
 */
public interface LocalS3Server extends AutoCloseable {

    URI endpoint();

    /** The server ignores the region, but SigV4 signs with one; this is the one to use. */
    String region();

    String accessKeyId();

    String secretAccessKey();

    /** Where the objects live on disk; empty for an in-memory server. */
    Optional<Path> baseDir();

    /**
     * The same store over HTTPS, with a freshly generated self-signed certificate (for
     * 127.0.0.1) that no trust store knows: started on first call, stopped with the server.
     */
    URI tlsEndpoint();

    void createBucket(String name);

    @Override
    void close();

    /** Starts servers; implementations are found with {@link java.util.ServiceLoader}. */
    interface Factory {
        /** Objects in memory, gone with the server. */
        LocalS3Server inMemory();

        /** Buckets as directories under {@code directory}, kept after close. */
        LocalS3Server onDirectory(Path directory);
    }
}
