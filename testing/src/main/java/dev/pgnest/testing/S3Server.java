package dev.pgnest.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.pgnest.config.LocalS3Server;
import dev.pgnest.demo.S3ProxyServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * An in-process S3-compatible server (the demo module's {@link S3ProxyServer}) on 127.0.0.1 with
 * SigV2/V4 authentication, for tests that talk real S3 over HTTP: adds AWS SDK clients and the
 * harness's cleanup to it.
 *
 * <pre>{@code
 * try (S3Server s3 = S3Server.start()) {
 *     s3.createBucket("backups");
 *     s3.client().putObject(b -> b.bucket("backups").key("k"), RequestBody.fromString("v"));
 * }
 * }</pre>
 *
 * <p>Known limit: S3Proxy cannot serve a ranged read of one part of a multipart object
 * ({@code partNumber}); download multipart objects with multipart off.
 *
 * <p>{@link #startS3Mock()} serves the same API from a second, independent implementation,
 * Adobe's S3Mock (its differences: docs/internals/s3-stores.md).
 */
public final class S3Server implements AutoCloseable {

    private static final Region REGION = Region.US_EAST_1;

    private final LocalS3Server store;
    /** "S3Proxy" or "S3Mock"; a name, so that modules without S3Mock on their path never load its class. */
    private final String implementation;
    private final Path deleteOnClose;
    private final List<S3Client> clients = new ArrayList<>();
    private S3Client client;
    private boolean closed;

    private S3Server(LocalS3Server store, Path deleteOnClose) {
        this.store = store;
        this.implementation = store instanceof S3ProxyServer ? "S3Proxy" : "S3Mock";
        this.deleteOnClose = deleteOnClose;
        Cleanup.register(this);
    }

    /**
     * A server whose objects live in memory (S3Proxy's {@code transient-nio2}) and vanish with
     * it. Fast; mind the heap with large objects, see {@link #startOnTempDirectory()}.
     */
    public static S3Server start() {
        return new S3Server(S3ProxyServer.inMemory(), null);
    }

    /**
     * A server storing objects on disk under a {@code pgnest-s3-*} temp dir that is deleted on
     * close: for tests that move more data than the heap should hold.
     */
    public static S3Server startOnTempDirectory() {
        return onTempDirectory(S3ProxyServer::onDirectory);
    }

    /**
     * Adobe's S3Mock instead of S3Proxy, objects in a {@code pgnest-s3-*} temp dir deleted on
     * close. It needs {@code com.adobe.testing:s3mock} on the test class path (an optional
     * dependency of this module) and, unlike S3Proxy, accepts any credentials.
     */
    public static S3Server startS3Mock() {
        return onTempDirectory(S3MockServer::new);
    }

    private static S3Server onTempDirectory(java.util.function.Function<Path, LocalS3Server> start) {
        Path workDir;
        Path store;
        try {
            Path base = Path.of(System.getProperty("java.io.tmpdir"));
            Cleanup.sweepOrphans(base, "pgnest-s3-");
            workDir = Files.createTempDirectory(base, "pgnest-s3-");
            store = Files.createDirectory(workDir.resolve("store"));
            Cleanup.markOwned(workDir, store);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for the S3 store", e);
        }
        try {
            return new S3Server(start.apply(store), workDir);
        } catch (RuntimeException e) {
            Cleanup.deleteRecursively(workDir);
            throw e;
        }
    }

    /** Which implementation serves: {@code S3Proxy} or {@code S3Mock}, for test names and messages. */
    public String implementation() {
        return implementation;
    }

    /** Whether the store checks request signatures (S3Mock does not: any credentials pass). */
    public boolean checksSignatures() {
        return !implementation.equals("S3Mock");
    }

    /**
     * A server storing buckets as directories under {@code directory}, kept after close (so a
     * second server, or a later test step, sees the same objects).
     */
    public static S3Server onDirectory(Path directory) {
        return new S3Server(S3ProxyServer.onDirectory(directory), null);
    }

    public URI endpoint() {
        return store.endpoint();
    }

    public String accessKeyId() {
        return store.accessKeyId();
    }

    public String secretAccessKey() {
        return store.secretAccessKey();
    }

    /** S3Proxy ignores the region, but SigV4 signs with one; this is the one to use. */
    public String region() {
        return REGION.id();
    }

    public int port() {
        return endpoint().getPort();
    }

    /** Where the objects live on disk; empty for the in-memory server of {@link #start()}. */
    public java.util.Optional<Path> baseDir() {
        return store.baseDir();
    }

    /**
     * The same store over HTTPS, with a freshly generated self-signed certificate (for
     * 127.0.0.1) that no trust store knows: started on first call, stopped with the server.
     */
    public URI tlsEndpoint() {
        return store.tlsEndpoint();
    }

    /** A shared client (path-style, static credentials), closed with the server. */
    public synchronized S3Client client() {
        if (closed) {
            throw new IllegalStateException("S3 server at " + endpoint() + " is closed");
        }
        if (client == null) {
            client = newClient(accessKeyId(), secretAccessKey());
        }
        return client;
    }

    /** A new client with other credentials (e.g. a wrong secret); closed with the server. */
    public synchronized S3Client newClient(String accessKeyId, String secretAccessKey) {
        S3Client created = clientBuilder(accessKeyId, secretAccessKey).build();
        clients.add(created);
        return created;
    }

    /** A builder preset for this server, for tests that need their own client settings. */
    public S3ClientBuilder clientBuilder() {
        return clientBuilder(accessKeyId(), secretAccessKey());
    }

    private S3ClientBuilder clientBuilder(String id, String secret) {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .forcePathStyle(true)
                .region(REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)));
    }

    public void createBucket(String name) {
        client().createBucket(b -> b.bucket(name));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (S3Client c : clients) {
            c.close();
        }
        clients.clear();
        RuntimeException failure = new IllegalStateException(implementation() + " at " + endpoint() + " did not stop cleanly");
        try {
            store.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        List<String> left = Cleanup.deleteRecursively(deleteOnClose);
        if (!left.isEmpty()) {
            failure.addSuppressed(new IOException("not deleted: " + left));
        }
        Cleanup.unregister(this);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "S3Server[" + implementation() + ", " + endpoint() + ", " + baseDir().map(Path::toString).orElse("in memory") + "]";
    }
}
