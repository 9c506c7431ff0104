package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.testing.FaultyProxy.Fault;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Each fault kind, seen through the real AWS SDK with its retries off. */
@IntegrationTest
class FaultyProxyTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("faults").andFaultyProxyPerTest(42);

    private static S3Server s3; // started by servers
    private FaultyProxy proxy; // a fresh one per test, from servers
    private S3Client client;
    private final byte[] payload = new byte[256 * 1024];

    @BeforeEach
    void putBlob() {
        new Random(7).nextBytes(payload);
        client = servers.closeAfterEach(s3.clientBuilder().endpointOverride(proxy.endpoint())
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .build());
        client.putObject(b -> b.bucket("faults").key("blob"), RequestBody.fromBytes(payload));
    }

    @AfterEach
    void deleteOther() {
        s3.client().deleteObject(b -> b.bucket("faults").key("other")); // the bucket is shared: leave only "blob"
    }

    @Test
    void withoutFaultsEverythingPassesThroughUnchanged() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        }
        assertThat(proxy.requests()).isEqualTo(6);
        assertThat(proxy.injectedTotal()).isZero();
    }

    @Test
    void serverErrorIsA500InternalError() {
        proxy.rate(Fault.SERVER_ERROR, 1.0);
        assertThatThrownBy(() -> client.headObject(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(500));
        assertThatThrownBy(() -> client.putObject(b -> b.bucket("faults").key("other"), RequestBody.fromBytes(payload)))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InternalError"));
        assertThat(proxy.injected(Fault.SERVER_ERROR)).isEqualTo(2);
        proxy.heal();
        assertThat(client.listObjectsV2(b -> b.bucket("faults")).contents()).extracting(o -> o.key()).containsExactly("blob");
    }

    @Test
    void nextFaultsHitTheNextRequestsInOrderThenTheRatesApply() {
        proxy.next(Fault.SLOW_DOWN, Fault.SERVER_ERROR);
        assertThatThrownBy(() -> client.headObject(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(503));
        assertThatThrownBy(() -> client.headObject(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(500));
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        assertThat(proxy.injected(Fault.SLOW_DOWN)).isEqualTo(1);
        assertThat(proxy.injected(Fault.SERVER_ERROR)).isEqualTo(1);
    }

    @Test
    void slowDownIsA503ThrottlingError() {
        proxy.rate(Fault.SLOW_DOWN, 1.0);
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
                    assertThat(e.isThrottlingException()).isTrue();
                });
    }

    @Test
    void resetAndTruncationBreakTheDownloadMidBody() {
        for (Fault f : new Fault[] {Fault.RESET_MID_BODY, Fault.TRUNCATED_BODY}) {
            proxy.heal().rate(f, 1.0);
            assertThatThrownBy(() -> {
                try (InputStream in = client.getObject(b -> b.bucket("faults").key("blob"))) {
                    in.readAllBytes();
                }
            }).as(f.name()).isInstanceOfAny(SdkClientException.class, java.io.IOException.class);
            assertThat(proxy.injected(f)).as(f.name()).isEqualTo(1);
        }
    }

    @Test
    void resetsAndTruncationsAreNeitherInjectedNorCountedWhereThereIsNoBodyToCut() {
        proxy.rate(Fault.RESET_MID_BODY, 0.5).rate(Fault.TRUNCATED_BODY, 0.5);
        assertThat(client.headObject(b -> b.bucket("faults").key("blob")).contentLength()).isEqualTo(payload.length);
        client.putObject(b -> b.bucket("faults").key("other"), RequestBody.fromBytes(payload));
        assertThat(proxy.injectedTotal()).as("HEAD and PUT answer without a body: nothing was cut").isZero();
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("faults").key("other")))
                .isInstanceOfAny(SdkClientException.class, java.io.UncheckedIOException.class);
        assertThat(proxy.injected(Fault.RESET_MID_BODY) + proxy.injected(Fault.TRUNCATED_BODY)).isEqualTo(1);
    }

    @Test
    void aQueuedCutWaitsForAResponseWithABodyWhileTheQueuedFaultsBehindItGoFirst() {
        proxy.next(Fault.TRUNCATED_BODY, Fault.LATENCY);
        long start = System.nanoTime();
        assertThat(client.headObject(b -> b.bucket("faults").key("blob")).contentLength()).isEqualTo(payload.length);
        assertThat((System.nanoTime() - start) / 1_000_000).as("the HEAD got the latency").isGreaterThanOrEqualTo(200);
        client.putObject(b -> b.bucket("faults").key("other"), RequestBody.fromBytes(payload));
        assertThat(proxy.pending()).as("the truncation still waits").isEqualTo(1);
        assertThat(proxy.injected(Fault.TRUNCATED_BODY)).isZero();
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("faults").key("blob")))
                .isInstanceOfAny(SdkClientException.class, java.io.UncheckedIOException.class);
        assertThat(proxy.pending()).isZero();
        assertThat(proxy.injectedByKind()).containsEntry(Fault.TRUNCATED_BODY, 1L).containsEntry(Fault.LATENCY, 1L)
                .containsEntry(Fault.RESET_MID_BODY, 0L);
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
    }

    @Test
    void healDropsQueuedFaults() {
        proxy.next(Fault.SERVER_ERROR, Fault.RESET_MID_BODY).heal();
        assertThat(proxy.pending()).isZero();
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        assertThat(proxy.injectedTotal()).isZero();
    }

    @Test
    void latencyDelaysButDoesNotBreak() {
        proxy.rate(Fault.LATENCY, 1.0);
        long start = System.nanoTime();
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
    }

    @Test
    void onlyMatchingRequestsGetFaults() {
        proxy.rate(Fault.SERVER_ERROR, 1.0).onlyWhen(line -> line.startsWith("PUT "));
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        assertThatThrownBy(() -> client.putObject(b -> b.bucket("faults").key("x"), RequestBody.fromString("x")))
                .isInstanceOf(S3Exception.class);
    }

    @Test
    void spreadEvenlyFailsExactlyThatShareOfRequests() {
        proxy.spreadEvenly(0.5, 0); // request 1 was the put in putBlob: requests 2, 4 and 6 fail
        int failed = 0;
        for (int i = 0; i < 6; i++) {
            try {
                client.headObject(b -> b.bucket("faults").key("blob"));
            } catch (S3Exception e) {
                assertThat(e.statusCode()).isIn(500, 503);
                failed++;
            }
        }
        assertThat(failed).isEqualTo(3);
        assertThat(proxy.injectedTotal()).isEqualTo(proxy.requests() / 2);
    }

    @Test
    void aLostResponseHidesWorkTheServerDid() {
        proxy.loseResponseOnce(line -> line.startsWith("PUT "));
        assertThatThrownBy(() -> client.putObject(b -> b.bucket("faults").key("other"), RequestBody.fromString("done")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(500));
        assertThat(proxy.injected(Fault.LOST_RESPONSE)).isEqualTo(1);
        assertThat(s3.client().getObjectAsBytes(b -> b.bucket("faults").key("other")).asUtf8String()).isEqualTo("done");
        client.putObject(b -> b.bucket("faults").key("other"), RequestBody.fromString("again")); // only once
    }

    @Test
    void answerWithRepliesACannedErrorUntilCleared() {
        proxy.answerWith(line -> line.startsWith("HEAD "), 404, "NoSuchUpload");
        assertThatThrownBy(() -> client.headObject(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("faults").key("missing")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchKey"));
        proxy.answerWith(line -> line.startsWith("GET "), 404, "NoSuchUpload");
        assertThatThrownBy(() -> client.getObjectAsBytes(b -> b.bucket("faults").key("blob")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchUpload"));
        proxy.answerWith(null, 0, null);
        assertThat(client.getObjectAsBytes(b -> b.bucket("faults").key("blob")).asByteArray()).isEqualTo(payload);
        assertThat(proxy.injectedTotal()).isZero();
    }
}
