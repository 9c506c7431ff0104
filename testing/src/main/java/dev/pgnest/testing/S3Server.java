package dev.pgnest.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * An in-process S3-compatible server (S3Proxy) on 127.0.0.1 with SigV2/V4 authentication, for
 * tests that talk real S3 over HTTP.
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
 */
public final class S3Server implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Region REGION = Region.US_EAST_1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final S3Proxy proxy;
    private final BlobStore blobStore;
    private final Path baseDir;
    private final Path deleteOnClose;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final URI endpoint;
    private final List<S3Client> clients = new ArrayList<>();
    private S3Client client;
    private boolean closed;
    private S3Proxy tlsProxy;
    private Path tlsDir;
    private URI tlsEndpoint;

    private S3Server(S3Proxy proxy, BlobStore blobStore, Path baseDir, Path deleteOnClose,
                     String accessKeyId, String secretAccessKey, URI endpoint) {
        this.proxy = proxy;
        this.blobStore = blobStore;
        this.baseDir = baseDir;
        this.deleteOnClose = deleteOnClose;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.endpoint = endpoint;
    }

    /**
     * A server whose objects live in memory (S3Proxy's {@code transient-nio2}) and vanish with
     * it. Fast; mind the heap with large objects, see {@link #startOnTempDirectory()}.
     */
    public static S3Server start() {
        return start("transient-nio2", null, null);
    }

    /**
     * A server storing objects on disk under a {@code pgnest-s3-*} temp dir that is deleted on
     * close: for tests that move more data than the heap should hold.
     */
    public static S3Server startOnTempDirectory() {
        Path workDir;
        Path store;
        try {
            Path base = Path.of(System.getProperty("java.io.tmpdir"));
            Cleanup.sweepOrphans(base, "pgnest-s3-");
            workDir = Files.createTempDirectory(base, "pgnest-s3-");
            store = Files.createDirectory(workDir.resolve("store"));
            Cleanup.markOwned(workDir, store);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for S3Proxy", e);
        }
        return start("filesystem-nio2", store, workDir);
    }

    /**
     * A server storing buckets as directories under {@code directory}, kept after close (so a
     * second server, or a later test step, sees the same objects).
     */
    public static S3Server onDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        return start("filesystem-nio2", directory, null);
    }

    /** {@code dir}: where a filesystem store lives; {@code deleteOnClose}: a temp dir to delete, or null. */
    private static S3Server start(String provider, Path dir, Path deleteOnClose) {
        QuietLogs.apply();
        String accessKeyId = "AK" + randomToken(18).toUpperCase(java.util.Locale.ROOT);
        String secretAccessKey = randomToken(40);
        Properties properties = new Properties();
        if (dir != null) {
            properties.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
        }
        properties.setProperty("jclouds.identity", accessKeyId);
        properties.setProperty("jclouds.credential", secretAccessKey);
        BlobStore blobStore = null;
        S3Proxy proxy = null;
        try {
            blobStore = BlobStores.create(provider, properties);
            proxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                    .ignoreUnknownHeaders(true)
                    .endpoint(URI.create("http://" + HOST + ":0"))
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start within " + START_TIMEOUT
                            + " (state " + proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
            S3Server server = new S3Server(proxy, blobStore, dir, deleteOnClose, accessKeyId, secretAccessKey,
                    URI.create("http://" + HOST + ":" + proxy.getPort()));
            Cleanup.register(server);
            return server;
        } catch (Exception e) {
            stopQuietly(proxy, blobStore, e);
            Cleanup.deleteRecursively(deleteOnClose);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy failed to start: " + e, e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** S3Proxy ignores the region, but SigV4 signs with one; this is the one to use. */
    public String region() {
        return REGION.id();
    }

    public int port() {
        return endpoint.getPort();
    }

    /** Where the objects live on disk; empty for the in-memory server of {@link #start()}. */
    public java.util.Optional<Path> baseDir() {
        return java.util.Optional.ofNullable(baseDir);
    }

    /**
     * The same store over HTTPS, with a freshly generated self-signed certificate (for
     * 127.0.0.1) that no trust store knows: started on first call, stopped with the server.
     */
    public synchronized URI tlsEndpoint() {
        if (tlsEndpoint != null) {
            return tlsEndpoint;
        }
        try {
            tlsDir = Files.createTempDirectory("pgnest-s3-tls-");
            Path keystore = tlsDir.resolve("s3.p12");
            String password = randomToken(20);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + HOST,
                    "-ext", "SAN=IP:" + HOST + ",DNS:localhost", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", keystore.toString(), "-storepass", password, "-keypass", password)
                    .redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
            tlsProxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                    .ignoreUnknownHeaders(true)
                    .secureEndpoint(URI.create("https://" + HOST + ":0"))
                    .keyStore(keystore.toString(), password)
                    .build();
            tlsProxy.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!"STARTED".equals(tlsProxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy (TLS) did not start within " + START_TIMEOUT);
                }
                Thread.sleep(10);
            }
            tlsEndpoint = URI.create("https://" + HOST + ":" + tlsProxy.getSecurePort());
            return tlsEndpoint;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy (TLS) failed to start: " + e, e);
        }
    }

    /** A shared client (path-style, static credentials), closed with the server. */
    public synchronized S3Client client() {
        if (closed) {
            throw new IllegalStateException("S3 server at " + endpoint + " is closed");
        }
        if (client == null) {
            client = newClient(accessKeyId, secretAccessKey);
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
        return clientBuilder(accessKeyId, secretAccessKey);
    }

    private S3ClientBuilder clientBuilder(String id, String secret) {
        return S3Client.builder()
                .endpointOverride(endpoint)
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
        RuntimeException failure = new IllegalStateException("S3Proxy at " + endpoint + " did not stop cleanly");
        stopQuietly(tlsProxy, null, failure);
        Cleanup.deleteRecursively(tlsDir);
        stopQuietly(proxy, blobStore, failure);
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
        return "S3Server[" + endpoint + ", " + (baseDir == null ? "in memory" : baseDir) + "]";
    }

    private static void stopQuietly(S3Proxy proxy, BlobStore blobStore, Exception collector) {
        if (proxy != null) {
            try {
                proxy.stop();
            } catch (Exception e) {
                collector.addSuppressed(e);
            }
        }
        if (blobStore != null) {
            try {
                blobStore.close();
            } catch (Exception e) {
                collector.addSuppressed(e);
            }
        }
    }

    private static String randomToken(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
