package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

@IntegrationTest
class S3ServerTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3();

    private static final int MIB = 1024 * 1024;
    private static S3Server s3; // started by servers

    @Test
    void putGetListDeleteThroughSdkOverHttp() {
        assertThat(s3.endpoint().toString()).startsWith("http://127.0.0.1:");
        S3Client client = s3.client();
        s3.createBucket("objects");
        client.putObject(b -> b.bucket("objects").key("backups/a.txt"), RequestBody.fromString("nest a"));
        client.putObject(b -> b.bucket("objects").key("backups/b.txt"), RequestBody.fromString("nest b"));
        client.putObject(b -> b.bucket("objects").key("wal/000000010000000000000001"), RequestBody.fromString("w"));

        assertThat(client.getObjectAsBytes(b -> b.bucket("objects").key("backups/b.txt")).asUtf8String())
                .isEqualTo("nest b");
        assertThat(keys(client, "objects", "backups/")).containsExactly("backups/a.txt", "backups/b.txt");
        assertThat(keys(client, "objects", "")).hasSize(3);

        client.deleteObject(b -> b.bucket("objects").key("backups/a.txt"));
        assertThat(keys(client, "objects", "backups/")).containsExactly("backups/b.txt");
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("objects").key("backups/a.txt")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void multipartUploadOfThreePartsRoundTrips() throws Exception {
        S3Client client = s3.client();
        s3.createBucket("multipart");
        Random random = new Random(42);
        int[] sizes = {5 * MIB, 5 * MIB, MIB};
        MessageDigest uploaded = MessageDigest.getInstance("SHA-256");
        long total = 0;
        String uploadId = client.createMultipartUpload(b -> b.bucket("multipart").key("big.bin")).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            byte[] part = new byte[sizes[i]];
            random.nextBytes(part);
            uploaded.update(part);
            total += part.length;
            int partNumber = i + 1;
            String etag = client.uploadPart(b -> b.bucket("multipart").key("big.bin").uploadId(uploadId)
                    .partNumber(partNumber), RequestBody.fromBytes(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }
        client.completeMultipartUpload(b -> b.bucket("multipart").key("big.bin").uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));

        assertThat(client.headObject(b -> b.bucket("multipart").key("big.bin")).contentLength()).isEqualTo(total);
        MessageDigest downloaded = MessageDigest.getInstance("SHA-256");
        try (InputStream in = client.getObject(b -> b.bucket("multipart").key("big.bin"))) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                downloaded.update(buffer, 0, n);
            }
        }
        assertThat(HexFormat.of().formatHex(downloaded.digest()))
                .isEqualTo(HexFormat.of().formatHex(uploaded.digest()));
    }

    @Test
    void clientWithWrongSecretIsRefused() {
        s3.createBucket("guarded");
        S3Client intruder = s3.newClient(s3.accessKeyId(), s3.secretAccessKey() + "x");
        assertThatThrownBy(() -> intruder.putObject(b -> b.bucket("guarded").key("k"), RequestBody.fromString("v")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        assertThatThrownBy(() -> intruder.listObjectsV2(b -> b.bucket("guarded")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        assertThat(keys(s3.client(), "guarded", "")).isEmpty();
    }

    @Test
    void directoryBackedServerKeepsObjectsForTheNextServer(@TempDir Path dir) {
        try (S3Server first = S3Server.onDirectory(dir)) {
            first.createBucket("kept");
            first.client().putObject(b -> b.bucket("kept").key("manifest.json"),
                    RequestBody.fromString("{\"id\":1}", StandardCharsets.UTF_8));
        }
        assertThat(dir.resolve("kept")).isDirectory();
        try (S3Server second = S3Server.onDirectory(dir)) {
            assertThat(second.client().getObjectAsBytes(b -> b.bucket("kept").key("manifest.json")).asUtf8String())
                    .isEqualTo("{\"id\":1}");
        }
    }

    @Test
    void tempDirectoryServerStoresOnDiskAndDeletesItOnClose() {
        Path store;
        try (S3Server disk = S3Server.startOnTempDirectory()) {
            store = disk.baseDir().orElseThrow();
            assertThat(store.getParent().getFileName().toString()).startsWith("pgnest-s3-");
            disk.createBucket("ondisk");
            disk.client().putObject(b -> b.bucket("ondisk").key("a/b.txt"), RequestBody.fromString("nest"));
            assertThat(store.resolve("ondisk")).isDirectory();
            assertThat(disk.client().getObjectAsBytes(b -> b.bucket("ondisk").key("a/b.txt")).asUtf8String())
                    .isEqualTo("nest");
        }
        assertThat(store.getParent()).doesNotExist();
    }

    @Test
    void closedServerRefusesConnections() {
        S3Server other = S3Server.start();
        S3Client client = other.clientBuilder().build();
        other.createBucket("gone");
        other.close();
        try (client) {
            assertThatThrownBy(() -> client.listObjectsV2(b -> b.bucket("gone")))
                    .isInstanceOf(software.amazon.awssdk.core.exception.SdkClientException.class);
        }
        assertThatThrownBy(other::client).hasMessageContaining("is closed");
    }

    private static List<String> keys(S3Client client, String bucket, String prefix) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }
}
