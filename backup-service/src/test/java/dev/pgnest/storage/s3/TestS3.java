package dev.pgnest.storage.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/** Stand-in for dev.pgnest.testing.S3Server until the harness lands on main. */
public final class TestS3 implements AutoCloseable {
    private final S3Proxy proxy;
    private final URI endpoint;
    private final String id = "AKTEST";
    private final String secret = "secret-" + UUID.randomUUID();
    private final BlobStore store;

    private TestS3() throws Exception {
        Path dir = Files.createTempDirectory("pgnest-s3-");
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        p.setProperty("jclouds.identity", id);
        p.setProperty("jclouds.credential", secret);
        store = BlobStores.create("transient-nio2", p);
        proxy = S3Proxy.builder().blobStore(store)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, id, secret)
                .ignoreUnknownHeaders(true)
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public static TestS3 start() {
        try {
            return new TestS3();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public String accessKeyId() {
        return id;
    }

    public String secretAccessKey() {
        return secret;
    }

    public String region() {
        return "us-east-1";
    }

    public void createBucket(String name) {
        store.createContainer(name);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
