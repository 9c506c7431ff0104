package dev.pgnest.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.FaultyProxy.Fault;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Small whole-object reads and listings when the connection breaks after the response headers
 * arrived: retried like any other network error, within {@code s3.max-attempts}.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class S3BrokenBodyRetryTest {
    /** The store's servers: each subclass registers its own S3 implementation. */
    abstract Servers servers();

    private static final int MAX_ATTEMPTS = 3;
    private static final Predicate<String> GET_MANIFEST = line -> line.startsWith("GET /bodies/p/backups/b1/manifest.json ");
    private static final Predicate<String> LIST_OBJECTS = line -> line.startsWith("GET /bodies?") && line.contains("list-type=2");
    private static final Predicate<String> LIST_UPLOADS = line -> line.startsWith("GET /bodies?") && line.contains("uploads");

    private static S3Server s3; // started by servers()
    private static Storage direct;
    private static StorageOutput unfinished;
    private static final byte[] MANIFEST = new byte[20_000];
    private FaultyProxy proxy; // a fresh one per test, from servers
    private Storage flaky;

    @BeforeAll
    void putObjects() throws Exception {
        direct = servers().closeAfterAll(config(s3.endpoint(), 6).open());
        new Random(5).nextBytes(MANIFEST);
        direct.put("backups/b1/manifest.json", MANIFEST);
        direct.put("backups/b1/data.zst", new byte[100]);
        direct.put("backups/b2/manifest.json", new byte[10]);
        direct.put("wal/00000001/000000010000000000000001", new byte[10]);
        unfinished = servers().closeAfterAll(direct.create("backups/b3/data.zst"));
        unfinished.write(new byte[6 * 1024 * 1024]); // more than a part: a multipart upload is open
    }

    @BeforeEach
    void openThroughProxy() {
        flaky = servers().closeAfterEach(config(proxy.endpoint(), MAX_ATTEMPTS).open());
    }

    private static S3StorageConfig config(URI endpoint, int maxAttempts) {
        return S3StorageConfig.builder("bodies").prefix("p").endpoint(endpoint).region(s3.region()).pathStyle(true)
                .credentials(s3.accessKeyId(), s3.secretAccessKey())
                .partSize(5 * S3StorageConfig.MIB).maxAttempts(maxAttempts).build();
    }

    @Test
    void getBytesSucceedsWhenTheBodyIsResetThenTruncated() {
        proxy.onlyWhen(GET_MANIFEST).next(Fault.RESET_MID_BODY, Fault.TRUNCATED_BODY);

        assertThat(flaky.getBytes("backups/b1/manifest.json")).isEqualTo(MANIFEST);

        assertThat(proxy.injected(Fault.RESET_MID_BODY)).isEqualTo(1);
        assertThat(proxy.injected(Fault.TRUNCATED_BODY)).isEqualTo(1);
        assertThat(proxy.requests()).isEqualTo(3);
    }

    @Test
    void listingsSucceedWhenTheirFirstResponseIsCut() {
        proxy.onlyWhen(LIST_OBJECTS.or(LIST_UPLOADS));

        proxy.next(Fault.TRUNCATED_BODY);
        List<ObjectInfo> all = flaky.list("");
        proxy.next(Fault.RESET_MID_BODY);
        List<String> backups = flaky.listPrefixes("backups/");
        proxy.next(Fault.TRUNCATED_BODY);
        List<IncompleteWrite> incomplete = flaky.listIncomplete("backups/");

        assertThat(all).isEqualTo(direct.list(""));
        assertThat(all).extracting(ObjectInfo::key).containsExactly("backups/b1/data.zst", "backups/b1/manifest.json",
                "backups/b2/manifest.json", "wal/00000001/000000010000000000000001");
        assertThat(backups).containsExactly("backups/b1/", "backups/b2/");
        assertThat(incomplete).extracting(IncompleteWrite::key).containsExactly("backups/b3/data.zst");
        assertThat(proxy.injectedTotal()).isEqualTo(3);
        assertThat(proxy.requests()).as("each listing: one cut response, one retry").isEqualTo(6);
    }

    @Test
    void aReadWhoseBodyKeepsBreakingFailsClearlyAfterMaxAttempts() {
        proxy.onlyWhen(GET_MANIFEST).rate(Fault.RESET_MID_BODY, 1.0);

        assertThatThrownBy(() -> flaky.getBytes("backups/b1/manifest.json"))
                .isInstanceOf(StorageException.class)
                .isNotInstanceOf(ObjectNotFoundException.class)
                .hasMessageStartingWith("cannot read s3://bodies/p/backups/b1/manifest.json: the response broke off while being read (")
                .hasMessageContaining(") after " + MAX_ATTEMPTS + " attempts: check the network to the S3 endpoint");
        assertThat(proxy.injected(Fault.RESET_MID_BODY)).isEqualTo(MAX_ATTEMPTS);
        assertThat(proxy.requests()).isEqualTo(MAX_ATTEMPTS);
    }

    @Test
    void aListingWhoseBodyKeepsBreakingFailsClearlyAfterMaxAttempts() {
        proxy.onlyWhen(LIST_OBJECTS).rate(Fault.TRUNCATED_BODY, 1.0);

        assertThatThrownBy(() -> flaky.list("backups/"))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("cannot list s3://bodies/p/backups/: the response broke off while being read (")
                .hasMessageContaining(") after " + MAX_ATTEMPTS + " attempts: check the network to the S3 endpoint");
        assertThat(proxy.injected(Fault.TRUNCATED_BODY)).isEqualTo(MAX_ATTEMPTS);
        assertThat(proxy.requests()).isEqualTo(MAX_ATTEMPTS);
    }

    @Test
    void aMissingObjectOrDeniedAccessIsNotRetried() {
        assertThatThrownBy(() -> flaky.getBytes("backups/b9/manifest.json"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessageStartingWith("object s3://bodies/p/backups/b9/manifest.json does not exist: ");
        assertThat(proxy.requests()).isEqualTo(1);

        if (!s3.checksSignatures()) {
            return; // S3Mock accepts any credentials: no 403 to see
        }
        try (Storage wrongSecret = S3StorageConfig.builder("bodies").prefix("p").endpoint(proxy.endpoint())
                .region(s3.region()).pathStyle(true).credentials(s3.accessKeyId(), "not-the-secret")
                .maxAttempts(MAX_ATTEMPTS).build().open()) {
            assertThatThrownBy(() -> wrongSecret.getBytes("backups/b1/manifest.json"))
                    .isInstanceOf(StorageException.class)
                    .hasMessageStartingWith("S3 denied access to s3://bodies/p/backups/b1/manifest.json");
            assertThatThrownBy(() -> wrongSecret.list("backups/"))
                    .isInstanceOf(StorageException.class)
                    .hasMessageStartingWith("S3 denied access to s3://bodies/p/backups/");
        }
        assertThat(proxy.requests()).isEqualTo(3);
        assertThat(proxy.injectedTotal()).isZero();
    }
}
