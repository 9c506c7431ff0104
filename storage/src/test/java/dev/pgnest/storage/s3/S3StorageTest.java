package dev.pgnest.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageContractTest;
import dev.pgnest.storage.StorageException;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@IntegrationTest
/** The storage contract and the S3 driver's own behaviour, run against each S3 implementation by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class S3StorageTest extends StorageContractTest {
    /** The store's servers: each subclass registers its own S3 implementation. */
    abstract Servers servers();

    private static S3Server s3; // started by servers()
    private static Storage storage;

    @BeforeAll
    void open() {
        storage = servers().closeAfterAll(config("contract").build().open());
    }

    static S3StorageConfig.Builder config(String bucket) {
        return S3StorageConfig.builder(bucket)
                .prefix("repo/one")
                .endpoint(s3.endpoint())
                .region(s3.region())
                .pathStyle(true)
                .credentials(s3.accessKeyId(), s3.secretAccessKey())
                .partSize(5 * S3StorageConfig.MIB)
                .partsInFlight(3);
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    /** S3Mock's abort of a multipart upload removes the object already under its key (docs/internals/s3-stores.md). */
    @Override
    protected boolean anAbortedWriteKeepsTheOldObject() {
        return !s3.implementation().equals("S3Mock");
    }

    @Test
    void locationIsAnS3UrlUnderTheConfiguredPrefix() {
        assertThat(storage.location("a/b")).isEqualTo("s3://contract/repo/one/a/b");
    }

    @Test
    void serverSideEncryptionAndStorageClassAreAccepted() throws Exception {
        try (Storage encrypted = config("contract").sse("AES256", null).storageClass("standard_ia").build().open()) {
            byte[] small = "secret data".getBytes(StandardCharsets.UTF_8);
            byte[] big = random(LARGE, 11);
            encrypted.put(root + "small", small);
            encrypted.put(root + "big", new java.io.ByteArrayInputStream(big));
            assertThat(encrypted.getBytes(root + "small")).isEqualTo(small);
            assertThat(sha256(encrypted.get(root + "big"))).isEqualTo(sha256(big));
        }
    }

    @Test
    void wrongSecretFailsWithAClearMessageThatNeverShowsTheSecret() {
        org.junit.jupiter.api.Assumptions.assumeTrue(s3.checksSignatures(), s3.implementation() + " accepts any credentials");
        String wrong = "wrong-secret-0123456789";
        try (Storage bad = config("contract").credentials(s3.accessKeyId(), wrong).build().open()) {
            assertThatThrownBy(() -> bad.put(root + "x", new byte[] {1}))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("S3 denied access to s3://contract/repo/one/" + root + "x")
                    .hasMessageContaining("check the S3 access key")
                    .hasMessageNotContaining(wrong)
                    .hasMessageNotContaining(s3.secretAccessKey());
        }
    }

    @Test
    void missingBucketIsNamedWithTheFix() {
        try (Storage none = config("no-such-bucket").build().open()) {
            assertThatThrownBy(() -> none.list(""))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("S3 bucket 'no-such-bucket' does not exist at " + s3.endpoint())
                    .hasMessageContaining("create the bucket");
        }
    }

    @Test
    void unreachableEndpointFailsClearly() {
        try (Storage down = config("contract").endpoint(java.net.URI.create("http://127.0.0.1:1")).maxAttempts(2)
                .build().open()) {
            assertThatThrownBy(() -> down.stat("k"))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot stat s3://contract/repo/one/k")
                    .hasMessageContaining("check the S3 endpoint");
        }
    }

    @Test
    void partsGrowSoThatUnknownLengthsFitInTenThousandParts() {
        S3Output out = (S3Output) storage.create(root + "sizes");
        assertThat(out.partSizeFor(1)).isEqualTo(5 * S3StorageConfig.MIB);
        assertThat(out.partSizeFor(2000)).isEqualTo(5 * S3StorageConfig.MIB);
        assertThat(out.partSizeFor(2001)).isEqualTo(10 * S3StorageConfig.MIB);
        assertThat(out.partSizeFor(10_000)).isEqualTo(80 * S3StorageConfig.MIB);
        out.close();
        // 2,000 parts each of 8, 16, 32, 64 and 128 MiB
        assertThat(S3StorageConfig.builder("b").build().maxObjectSize()).isEqualTo(2000L * 248 * S3StorageConfig.MIB);
    }

    @Test
    void invalidConfigurationNamesTheProblemAndFix() {
        assertThatThrownBy(() -> config("b").partSize(1024).build())
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("outside S3's limits (5 MiB to 5 GiB)")
                .satisfies(e -> assertThat(((PgnestException) e).kind()).isEqualTo(ErrorKind.CONFIG));
        assertThatThrownBy(() -> config("b").credentials("id", null).build())
                .hasMessageContaining("only one of the S3 access key id and secret access key is set");
        assertThatThrownBy(() -> config("b").sse("rot13", null).build())
                .hasMessageContaining("unknown S3 server-side encryption 'rot13'");
        assertThat(config("b").build().toString()).doesNotContain(s3.secretAccessKey()).contains("***");
    }
}
