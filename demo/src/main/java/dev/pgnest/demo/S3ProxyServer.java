package dev.pgnest.demo;

import dev.pgnest.config.LocalS3Server;
import dev.pgnest.postgres.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * An in-process S3-compatible server (S3Proxy) on 127.0.0.1 with SigV2/V4 authentication: the
 * demo's store, and the tests' (through the test harness's S3Server).
 *
 * <p>Known limit: S3Proxy cannot serve a ranged read of one part of a multipart object
 * ({@code partNumber}); download multipart objects with multipart off.
 */
public final class S3ProxyServer implements LocalS3Server {
    private static final String HOST = "127.0.0.1";
    private static final String REGION = "us-east-1";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** The {@link java.util.ServiceLoader} entry point. */
    public static final class Factory implements LocalS3Server.Factory {
        @Override
        public LocalS3Server inMemory() {
            return S3ProxyServer.inMemory();
        }

        @Override
        public LocalS3Server onDirectory(Path directory) {
            return S3ProxyServer.onDirectory(directory);
        }
    }

    private final S3Proxy proxy;
    private final BlobStore blobStore;
    private final Path baseDir;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final URI endpoint;
    private boolean closed;
    private S3Proxy tlsProxy;
    private Path tlsDir;
    private URI tlsEndpoint;

    private S3ProxyServer(S3Proxy proxy, BlobStore blobStore, Path baseDir, String accessKeyId, String secretAccessKey,
                          URI endpoint) {
        this.proxy = proxy;
        this.blobStore = blobStore;
        this.baseDir = baseDir;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.endpoint = endpoint;
    }

    /** Objects in memory (S3Proxy's {@code transient-nio2}), gone with the server. */
    public static S3ProxyServer inMemory() {
        return start("transient-nio2", null);
    }

    /** Buckets as directories under {@code directory}, kept after close. */
    public static S3ProxyServer onDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        return start("filesystem-nio2", directory);
    }

    private static S3ProxyServer start(String provider, Path dir) {
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
        // providers may be found through the context class loader, and Jetty's threads
        // inherit it: make it ours, which may be a loader of the pgnest-demo jar
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(S3ProxyServer.class.getClassLoader());
        try {
            blobStore = BlobStores.create(provider, properties);
            proxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                    .ignoreUnknownHeaders(true)
                    .endpoint(URI.create("http://" + HOST + ":0"))
                    .build();
            proxy.start();
            awaitStarted(proxy, "S3Proxy");
            return new S3ProxyServer(proxy, blobStore, dir, accessKeyId, secretAccessKey,
                    URI.create("http://" + HOST + ":" + proxy.getPort()));
        } catch (Exception e) {
            stopQuietly(proxy, blobStore, e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy failed to start: " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static void awaitStarted(S3Proxy proxy, String what) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not start within " + START_TIMEOUT + " (state " + proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String accessKeyId() {
        return accessKeyId;
    }

    @Override
    public String secretAccessKey() {
        return secretAccessKey;
    }

    @Override
    public String region() {
        return REGION;
    }

    @Override
    public Optional<Path> baseDir() {
        return Optional.ofNullable(baseDir);
    }

    @Override
    public void createBucket(String name) {
        blobStore.createContainer(name);
    }

    @Override
    public synchronized URI tlsEndpoint() {
        if (tlsEndpoint != null) {
            return tlsEndpoint;
        }
        try {
            tlsDir = Files.createTempDirectory("pgnest-s3-tls-");
            Path keystore = tlsDir.resolve("s3.p12");
            String password = randomToken(20);
            ChildProcess.Result keytool = ChildProcess.run(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + HOST,
                    "-ext", "SAN=IP:" + HOST + ",DNS:localhost", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", keystore.toString(), "-storepass", password, "-keypass", password),
                    Map.of(), null, Duration.ofMinutes(2));
            if (!keytool.ok()) {
                throw new IllegalStateException("keytool failed: " + keytool.output());
            }
            tlsProxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                    .ignoreUnknownHeaders(true)
                    .secureEndpoint(URI.create("https://" + HOST + ":0"))
                    .keyStore(keystore.toString(), password)
                    .build();
            tlsProxy.start();
            awaitStarted(tlsProxy, "S3Proxy (TLS)");
            tlsEndpoint = URI.create("https://" + HOST + ":" + tlsProxy.getSecurePort());
            return tlsEndpoint;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy (TLS) failed to start: " + e, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = new IllegalStateException("S3Proxy at " + endpoint + " did not stop cleanly");
        stopQuietly(tlsProxy, null, failure);
        deleteTree(tlsDir, failure);
        stopQuietly(proxy, blobStore, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "S3ProxyServer[" + endpoint + ", " + (baseDir == null ? "in memory" : baseDir) + "]";
    }

    private static void deleteTree(Path root, Exception collector) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            collector.addSuppressed(e);
        }
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
