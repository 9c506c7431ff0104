package dev.pgnest.storage.s3;

import static dev.pgnest.storage.Digests.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgnest.storage.BrokenDownloadException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.crypto.EncryptedStorage;
import dev.pgnest.storage.crypto.EncryptionKey;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.FaultyProxy.Fault;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.InputStream;
import java.net.URI;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Streamed downloads (what a restore, {@code backup verify} and {@code wal fetch} read) whose
 * body is cut mid-way: resumed with ranged GETs from the first byte not yet handed out, byte for
 * byte, also through encryption and from a store that ignores ranges.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class S3ResumedDownloadTest {
    /** The store's servers: each subclass registers its own S3 implementation. */
    abstract Servers servers();

    private static final int MAX_ATTEMPTS = 3;
    private static final byte[] DATA = new byte[3 * 1024 * 1024 + 4321];
    private static final Predicate<String> GET_DATA = line -> line.startsWith("GET /resume/p/data.bin");
    private static final Predicate<String> GET_SEALED = line -> line.startsWith("GET /resume/p/sealed.bin");
    private static final EncryptionKey KEY = EncryptionKey.parse("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "test");

    private static S3Server s3; // started by servers()
    private static Storage direct;
    private FaultyProxy proxy; // a fresh one per test, from servers
    private Storage flaky;

    @BeforeAll
    void putObjects() {
        direct = servers().closeAfterAll(config(s3.endpoint()).open());
        new Random(9).nextBytes(DATA);
        direct.put("data.bin", DATA);
        new EncryptedStorage(direct, KEY).put("sealed.bin", new java.io.ByteArrayInputStream(DATA));
    }

    @BeforeEach
    void openThroughProxy() {
        flaky = servers().closeAfterEach(config(proxy.endpoint()).open());
    }

    private static S3StorageConfig config(URI endpoint) {
        return S3StorageConfig.builder("resume").prefix("p").endpoint(endpoint).region(s3.region()).pathStyle(true)
                .credentials(s3.accessKeyId(), s3.secretAccessKey()).maxAttempts(MAX_ATTEMPTS).build();
    }

    @Test
    void aDownloadCutByResetsAndTruncationsResumesByteForByte() throws Exception {
        proxy.onlyWhen(GET_DATA).next(Fault.RESET_MID_BODY, Fault.TRUNCATED_BODY, Fault.RESET_MID_BODY, Fault.TRUNCATED_BODY);

        try (InputStream in = flaky.get("data.bin")) {
            assertThat(sha256(in)).isEqualTo(sha256(DATA));
        }

        assertThat(proxy.injected(Fault.RESET_MID_BODY)).isEqualTo(2);
        assertThat(proxy.injected(Fault.TRUNCATED_BODY)).isEqualTo(2);
        assertThat(proxy.requests()).as("the first GET and one ranged GET per cut").isEqualTo(5);
    }

    @Test
    void aRangedReadResumesWithinItsRange() throws Exception {
        proxy.onlyWhen(GET_DATA).next(Fault.RESET_MID_BODY, Fault.TRUNCATED_BODY);

        try (InputStream in = flaky.get("data.bin", 1_000_003, 2_000_000)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(DATA, 1_000_003, 3_000_003));
        }
        assertThat(proxy.injectedTotal()).isEqualTo(2);
    }

    @Test
    void anEncryptedDownloadResumesAndStillAuthenticates() throws Exception {
        // every response cut at half: each resumption makes progress, so the attempts never run out
        proxy.onlyWhen(GET_SEALED).rate(Fault.RESET_MID_BODY, 1.0);

        try (InputStream in = new EncryptedStorage(flaky, KEY).get("sealed.bin")) {
            assertThat(sha256(in)).isEqualTo(sha256(DATA));
        }
        // the header read (29 bytes) takes 5 of them; the body, 3 MiB halved again and again, the rest
        assertThat(proxy.injected(Fault.RESET_MID_BODY)).as("cuts").isGreaterThan(20);
    }

    @Test
    void aStoreThatIgnoresRangesIsReadAgainFromTheStartAndTheLogSaysSo() throws Exception {
        proxy.ignoreRanges().onlyWhen(GET_DATA).next(Fault.RESET_MID_BODY);
        Logger logger = (Logger) LoggerFactory.getLogger(ResumingDownload.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try (InputStream in = flaky.get("data.bin")) {
            assertThat(sha256(in)).isEqualTo(sha256(DATA));
        } finally {
            logger.detachAppender(log);
        }

        assertThat(proxy.rangesIgnored()).isEqualTo(1);
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("the S3 store did not serve a byte range of s3://resume/p/data.bin: "
                        + "reading the object again from its start and skipping to byte "));
    }

    @Test
    void aDownloadThatCannotBeResumedFailsWithOneLineNamingTheObject() throws Exception {
        proxy.onlyWhen(GET_DATA).next(Fault.RESET_MID_BODY);
        try (InputStream in = flaky.get("data.bin")) {
            in.readNBytes(1000);
            proxy.spreadEvenly(1.0, 0); // from now on the store answers 500 or 503 only
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOf(BrokenDownloadException.class)
                    .hasMessageStartingWith("cannot read s3://resume/p/data.bin: S3 answered HTTP 50")
                    .hasMessageContaining("after " + MAX_ATTEMPTS + " attempts")
                    .hasMessageNotContaining("\n");
        }
    }
}
