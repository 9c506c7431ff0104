package dev.pgnest.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageContractTest;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The storage contract holds through encryption, and the ciphertext is confidential and tamper-evident. */
class EncryptedStorageTest extends StorageContractTest {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B');
    private static Path dir;
    private static Storage raw;
    private static Storage storage;

    @BeforeAll
    static void open() throws IOException {
        dir = Files.createTempDirectory("pgnest-crypto-storage-");
        raw = new FsStorageConfig(dir.resolve("repo")).open();
        storage = new EncryptedStorage(raw, EncryptionKey.parse(KEY, "test"));
    }

    @AfterAll
    static void close() throws IOException {
        storage.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    private static byte[] data(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void storedBytesRevealNothingAndSizesArePlaintextSizes() {
        byte[] text = "babies: Ada, Linus; feeding at 03:00".repeat(5000).getBytes();
        storage.put(root + "plain", text);
        byte[] stored = raw.getBytes(root + "plain");
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("Linus");
        assertThat(stored.length).isGreaterThan(text.length);
        assertThat(storage.stat(root + "plain").orElseThrow().size()).isEqualTo(text.length);
        assertThat(storage.getBytes(root + "plain")).isEqualTo(text);
    }

    @Test
    void rangedReadsAcrossChunkBoundariesReturnTheRightBytes() throws IOException {
        byte[] text = data(3 * EncryptedStorage.CHUNK + 123, 1);
        storage.put(root + "ranged", text);
        for (long[] r : new long[][] {{0, 10}, {EncryptedStorage.CHUNK - 5, 10}, {EncryptedStorage.CHUNK * 2L + 7, EncryptedStorage.CHUNK},
                {text.length - 3, 100}, {text.length, 5}, {5, -1}}) {
            try (InputStream in = storage.get(root + "ranged", r[0], r[1])) {
                int from = (int) r[0];
                int to = r[1] < 0 ? text.length : (int) Math.min(text.length, r[0] + r[1]);
                assertThat(in.readAllBytes()).as("range %s+%s", r[0], r[1]).isEqualTo(Arrays.copyOfRange(text, from, to));
            }
        }
    }

    @Test
    void everyFlippedByteIsDetectedNamingTheObject() throws IOException {
        byte[] text = data(2 * EncryptedStorage.CHUNK + 10, 2);
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            String key = root + "tampered-" + trial;
            storage.put(key, text);
            Path file = dir.resolve("repo").resolve(key);
            byte[] stored = Files.readAllBytes(file);
            int at = EncryptedStorage.HEADER_BYTES + random.nextInt(stored.length - EncryptedStorage.HEADER_BYTES);
            stored[at] ^= (byte) (1 << random.nextInt(8));
            Files.write(file, stored);
            assertThatThrownBy(() -> storage.getBytes(key))
                    .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTEGRITY))
                    .hasMessageContaining(key).hasMessageContaining("failed authentication");
            // the streamed read (restores) decrypts on its own path: it must refuse the same bytes
            assertThatThrownBy(() -> streamed(key))
                    .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTEGRITY))
                    .hasMessageContaining(key).hasMessageContaining("failed authentication");
        }
    }

    @Test
    void anEmptyObjectIsAuthenticatedToo() throws IOException {
        storage.put(root + "empty", new byte[0]);
        assertThat(storage.getBytes(root + "empty")).isEmpty();
        Path file = dir.resolve("repo").resolve(root + "empty");
        byte[] stored = Files.readAllBytes(file);
        assertThat(stored).hasSize(EncryptedStorage.HEADER_BYTES + EncryptedStorage.TAG_BYTES);
        stored[stored.length - 1] ^= 1;
        Files.write(file, stored);
        assertThatThrownBy(() -> storage.getBytes(root + "empty")).hasMessageContaining("failed authentication");
        assertThatThrownBy(() -> streamed(root + "empty")).hasMessageContaining("failed authentication");
    }

    private static byte[] streamed(String key) throws IOException {
        try (InputStream in = storage.get(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void truncationAndChunkReorderingAreDetected() throws IOException {
        byte[] text = data(3 * EncryptedStorage.CHUNK, 4);
        storage.put(root + "cut", text);
        Path file = dir.resolve("repo").resolve(root + "cut");
        byte[] stored = Files.readAllBytes(file);
        int sealed = EncryptedStorage.CHUNK + EncryptedStorage.TAG_BYTES;
        // drop the last chunk: the new last chunk was not sealed as last
        Files.write(file, Arrays.copyOf(stored, EncryptedStorage.HEADER_BYTES + 2 * sealed));
        assertThatThrownBy(() -> storage.getBytes(root + "cut")).hasMessageContaining("failed authentication");
        assertThatThrownBy(() -> streamed(root + "cut")).hasMessageContaining("failed authentication");
        // swap the first two chunks
        byte[] swapped = stored.clone();
        System.arraycopy(stored, EncryptedStorage.HEADER_BYTES, swapped, EncryptedStorage.HEADER_BYTES + sealed, sealed);
        System.arraycopy(stored, EncryptedStorage.HEADER_BYTES + sealed, swapped, EncryptedStorage.HEADER_BYTES, sealed);
        Files.write(file, swapped);
        assertThatThrownBy(() -> storage.getBytes(root + "cut")).hasMessageContaining("failed authentication");
        assertThatThrownBy(() -> streamed(root + "cut")).hasMessageContaining("failed authentication");
    }

    @Test
    void aWrongKeyIsNamedAsSuchBeforeAnythingIsDecrypted() {
        storage.put(root + "keyed", data(1000, 5));
        EncryptionKey other = EncryptionKey.parse(Base64.getEncoder().encodeToString(data(32, 6)), "test");
        Storage wrong = new EncryptedStorage(raw, other);
        assertThatThrownBy(() -> wrong.getBytes(root + "keyed"))
                .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFIG))
                .hasMessageContaining("was encrypted with key id " + EncryptionKey.parse(KEY, "t").id())
                .hasMessageContaining("not with the configured key (id " + other.id() + ")");
    }

    @Test
    void anUnencryptedObjectIsRefusedClearly() {
        raw.put(root + "clear", "not encrypted".getBytes());
        assertThatThrownBy(() -> storage.getBytes(root + "clear")).hasMessageContaining("is not encrypted by pgnest");
    }

    @Test
    void keysMustBe32Bytes() {
        assertThatThrownBy(() -> EncryptionKey.parse("c2hvcnQ=", "PGNEST_ENCRYPTION_KEY"))
                .hasMessage("the encryption key from PGNEST_ENCRYPTION_KEY is not 32 bytes of base64 or 64 hex digits: "
                        + "generate one with: head -c 32 /dev/urandom | base64");
        assertThat(EncryptionKey.parse("00".repeat(32), "hex").id()).hasSize(16);
    }
}
