package dev.pgnest.storage.s3;

import static dev.pgnest.storage.Digests.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The S3 driver through a proxy that fails requests: retries, aborts, bounded parallelism. */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class S3FaultsTest {
    /** The store's servers: each subclass registers its own S3 implementation. */
    abstract Servers servers();

    private static S3Server s3; // started by servers()
    private static Storage direct;

    @BeforeAll
    void open() {
        direct = servers().closeAfterAll(config(s3.endpoint(), 6).build().open());
    }

    static S3StorageConfig.Builder config(URI endpoint, int maxAttempts) {
        return S3StorageConfig.builder("faults").prefix("p").endpoint(endpoint).region(s3.region()).pathStyle(true)
                .credentials(s3.accessKeyId(), s3.secretAccessKey())
                .partSize(5 * S3StorageConfig.MIB).partsInFlight(3).maxAttempts(maxAttempts);
    }

    /**
     * Objects of the ten-percent test. S3Mock writes each part to a file and joins them on
     * completion, so one object (some 14 requests, a fault among them) keeps its run in seconds.
     */
    private static int tenPercentObjects() {
        return s3.implementation().equals("S3Mock") ? 1 : 3;
    }

    @Test
    void uploadsAndDownloadsSucceedByteForByteWhenTenPercentOfRequestsFail() throws Exception {
        String key = "tenpercent-" + UUID.randomUUID();
        byte[] data = random(42 * 1024 * 1024 + 17);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 42).spreadEvenly(0.10, 0.3);
             Storage flaky = config(proxy.endpoint(), 8).build().open()) {
            for (int i = 0; i < tenPercentObjects(); i++) {
                flaky.put(key + "/" + i, new ByteArrayInputStream(data));
                try (InputStream in = flaky.get(key + "/" + i)) {
                    assertThat(sha256(in)).isEqualTo(sha256(data));
                }
            }
            assertThat(proxy.injectedTotal()).as("faults injected").isGreaterThan(0);
            assertThat(proxy.maxUploadsInFlight()).as("parts in flight").isBetween(2, 3);
        }
        for (int i = 0; i < tenPercentObjects(); i++) {
            assertThat(direct.stat(key + "/" + i).orElseThrow().size()).isEqualTo(data.length);
        }
        assertThat(direct.listIncomplete("")).isEmpty();
    }

    @Test
    void aCompletionWhoseResponseWasLostStillSucceeds() throws Exception {
        String key = "lost-complete-" + UUID.randomUUID();
        byte[] data = random(11 * 1024 * 1024);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 1);
             Storage flaky = config(proxy.endpoint(), 4).build().open()) {
            // AWS answers the retried completion with NoSuchUpload: the first one did the work
            java.util.function.Predicate<String> complete = line -> line.startsWith("POST ") && line.contains("uploadId=");
            proxy.loseResponseOnce(line -> {
                if (complete.test(line)) {
                    proxy.answerWith(complete, 404, "NoSuchUpload");
                    return true;
                }
                return false;
            });
            flaky.put(key, new ByteArrayInputStream(data));
            assertThat(proxy.injectedTotal()).isEqualTo(1);
        }
        try (InputStream in = direct.get(key)) {
            assertThat(sha256(in)).isEqualTo(sha256(data));
        }
    }

    /**
     * The transport checksum is the store's check of the bytes on the wire: a part with one
     * byte changed after pgnest sent it is refused, the upload fails and publishes nothing. The
     * payload itself goes unsigned (no second SHA-256 over every byte), also over plain http.
     */
    @ParameterizedTest
    @EnumSource(S3StorageConfig.Checksum.class)
    void aPartDamagedOnTheWayIsRefusedByTheStoreAndNothingIsPublished(S3StorageConfig.Checksum checksum)
            throws Exception {
        // S3Mock checks a part's CRC32C but not its Content-MD5 (docs/internals/s3-stores.md)
        org.junit.jupiter.api.Assumptions.assumeFalse(
                checksum == S3StorageConfig.Checksum.MD5 && s3.implementation().equals("S3Mock"),
                "S3Mock does not check Content-MD5 of a part");
        String key = "damaged-" + checksum + "-" + UUID.randomUUID();
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 5);
             Storage flaky = config(proxy.endpoint(), 3).checksum(checksum).build().open()) {
            proxy.damageBodyOnce(line -> line.startsWith("PUT ") && line.contains("partNumber=2"));
            assertThatThrownBy(() -> flaky.put(key, new ByteArrayInputStream(random(12 * 1024 * 1024))))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("s3://faults/p/" + key);
            assertThat(proxy.bodiesDamaged()).isEqualTo(1);
            List<String> parts = proxy.requestHeads().stream()
                    .filter(h -> h.startsWith("PUT ") && h.contains("partNumber=")).toList();
            assertThat(parts).isNotEmpty().allSatisfy(head -> {
                String h = head.toLowerCase(java.util.Locale.ROOT);
                assertThat(h).contains("x-amz-content-sha256: unsigned-payload");
                if (checksum == S3StorageConfig.Checksum.CRC32C) {
                    assertThat(h).contains("x-amz-checksum-crc32c: ").doesNotContain("content-md5:");
                } else {
                    assertThat(h).contains("content-md5: ").doesNotContain("x-amz-checksum-crc32c:");
                }
            });
        }
        assertThat(direct.stat(key)).isEmpty();
        assertThat(direct.listIncomplete(key)).isEmpty();
    }

    /** A store that does not support flexible checksums gets one line that names the fix. */
    @Test
    void aStoreRefusingTheCrc32cHeaderIsToldToUseMd5() throws Exception {
        String key = "no-crc-" + UUID.randomUUID();
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 7);
             Storage store = config(proxy.endpoint(), 2).build().open()) {
            proxy.answerWith(line -> line.startsWith("PUT "), 501, "NotImplemented");
            assertThatThrownBy(() -> store.put(key, new byte[10], 0, 10))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("s3://faults/p/" + key)
                    .hasMessageContaining("x-amz-checksum-crc32c")
                    .satisfies(e -> assertThat(((StorageException) e).hint()).contains("s3.checksum: md5"));
        }
    }

    /** A whole object in one PUT carries the same checksum, and a damaged one is refused too. */
    @ParameterizedTest
    @EnumSource(S3StorageConfig.Checksum.class)
    void aSmallObjectDamagedOnTheWayIsRefusedAndAnIntactOneStored(S3StorageConfig.Checksum checksum) throws Exception {
        String key = "small-" + checksum + "-" + UUID.randomUUID();
        byte[] data = random(100_000);
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 6);
             Storage flaky = config(proxy.endpoint(), 3).checksum(checksum).build().open()) {
            proxy.damageBodyOnce(line -> line.startsWith("PUT "));
            assertThatThrownBy(() -> flaky.put(key, data, 0, data.length)).isInstanceOf(StorageException.class);
            assertThat(direct.stat(key)).isEmpty();
            flaky.put(key, data, 0, data.length);
        }
        try (InputStream in = direct.get(key)) {
            assertThat(sha256(in)).isEqualTo(sha256(data));
        }
    }

    @Test
    void aCompletionAnsweredNoSuchUploadFailsWhenTheObjectIsNotOurs() throws Exception {
        String key = "not-ours-" + UUID.randomUUID();
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 3);
             Storage flaky = config(proxy.endpoint(), 2).build().open()) {
            proxy.answerWith(line -> line.startsWith("POST ") && line.contains("uploadId="), 404, "NoSuchUpload");
            assertThatThrownBy(() -> flaky.put(key, new ByteArrayInputStream(random(11 * 1024 * 1024))))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot complete the upload of s3://faults/p/" + key);
        }
        assertThat(direct.stat(key)).isEmpty();
        assertThat(direct.listIncomplete(key)).isEmpty();
    }

    @Test
    void anUploadThatKeepsFailingFailsClearlyAndPublishesNothing() throws Exception {
        String key = "hopeless-" + UUID.randomUUID();
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 2);
             Storage flaky = config(proxy.endpoint(), 2).build().open()) {
            assertThatThrownBy(() -> {
                try (StorageOutput out = flaky.create(key)) {
                    out.write(random(12 * 1024 * 1024)); // two parts go through
                    proxy.spreadEvenly(1.0, 0);          // then the server breaks down
                    out.write(random(12 * 1024 * 1024));
                    out.commit();
                }
            }).isInstanceOf(StorageException.class)
                    .hasMessageContaining("s3://faults/p/" + key)
                    .hasMessageMatching(".*S3 answered HTTP 50[03] (SlowDown|InternalError) after 2 attempts.*");
            proxy.spreadEvenly(0, 0);
            assertThat(direct.stat(key)).isEmpty();
            // the abort went through the broken server too; what is left is findable and removable
            List<IncompleteWrite> left = direct.listIncomplete(key);
            left.forEach(direct::abort);
            assertThat(direct.listIncomplete(key)).isEmpty();
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
