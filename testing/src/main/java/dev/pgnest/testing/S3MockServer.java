package dev.pgnest.testing;

import com.adobe.testing.s3mock.S3MockApplication;
import dev.pgnest.config.LocalS3Server;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Adobe's S3Mock (a Spring Boot application) in this JVM on 127.0.0.1, a second S3
 * implementation written independently of S3Proxy, objects in files under {@code root}. It
 * checks no signature: any credentials are accepted.
 */
final class S3MockServer implements LocalS3Server {
    private static final String ACCESS_KEY = "s3mock-access";
    private static final String SECRET_KEY = "s3mock-secret-never-checked";

    private final S3MockApplication app;
    private final Path root;

    S3MockServer(Path root) {
        this.root = root;
        // Spring Boot would otherwise reconfigure logback for the whole test JVM
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        // start() removes entries from the map it is given: a mutable copy
        this.app = S3MockApplication.start(new java.util.HashMap<>(Map.of(
                S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_ROOT_DIRECTORY, root.toString(),
                "com.adobe.testing.s3mock.store.retainFilesOnExit", true, // S3Server deletes the root itself
                "server.address", "127.0.0.1",
                S3MockApplication.PROP_SILENT, true,
                "spring.main.banner-mode", "off")));
    }

    @Override
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + app.getHttpPort());
    }

    @Override
    public String region() {
        return Region.US_EAST_1.id();
    }

    @Override
    public String accessKeyId() {
        return ACCESS_KEY;
    }

    @Override
    public String secretAccessKey() {
        return SECRET_KEY;
    }

    @Override
    public Optional<Path> baseDir() {
        return Optional.of(root);
    }

    /** Its own HTTPS port, with the self-signed certificate S3Mock ships. */
    @Override
    public URI tlsEndpoint() {
        return URI.create("https://127.0.0.1:" + app.getPort());
    }

    @Override
    public void createBucket(String name) {
        try (S3Client client = S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            client.createBucket(b -> b.bucket(name));
        }
    }

    @Override
    public void close() {
        app.stop();
    }

    @Override
    public String toString() {
        return "S3Mock[" + endpoint() + "]";
    }
}
