package dev.pgnest.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Storage} contract, run against every driver. Subclasses provide a storage whose
 * part size (where it has one) is the minimum, so that multi-part paths are exercised with a
 * few MiB of data. Each test works under its own random prefix.
 */
public abstract class StorageContractTest {
    /** At least three parts of the S3 driver's minimum part size, and not a multiple of it. */
    protected static final int LARGE = 17 * 1024 * 1024 + 12345;

    protected String root;

    /** The storage under test; shared by the class, cleaned by prefix. */
    protected abstract Storage storage();

    @BeforeEach
    void newPrefix() {
        root = "t-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    }

    @Test
    void smallObjectRoundTripsAndStatsItsSize() {
        byte[] data = "hello, repository".getBytes(StandardCharsets.UTF_8);
        storage().put(root + "a/hello.txt", data);

        assertThat(storage().getBytes(root + "a/hello.txt")).isEqualTo(data);
        ObjectInfo info = storage().stat(root + "a/hello.txt").orElseThrow();
        assertThat(info.key()).isEqualTo(root + "a/hello.txt");
        assertThat(info.size()).isEqualTo(data.length);
        assertThat(info.lastModified()).isNotNull();
    }

    @Test
    void emptyObjectRoundTrips() {
        storage().put(root + "empty", new byte[0]);
        assertThat(storage().getBytes(root + "empty")).isEmpty();
        assertThat(storage().stat(root + "empty").orElseThrow().size()).isZero();
    }

    @Test
    void largeStreamOfUnknownLengthRoundTripsByteForByte() throws Exception {
        byte[] data = random(LARGE, 1);
        long written;
        try (StorageOutput out = storage().create(root + "big.bin")) {
            // odd-sized writes that straddle part boundaries
            Random sizes = new Random(7);
            int pos = 0;
            while (pos < data.length) {
                int n = Math.min(data.length - pos, 1 + sizes.nextInt(3 * 1024 * 1024));
                out.write(data, pos, n);
                pos += n;
            }
            written = out.commit();
        }
        assertThat(written).isEqualTo(data.length);
        assertThat(storage().stat(root + "big.bin").orElseThrow().size()).isEqualTo(data.length);
        try (InputStream in = storage().get(root + "big.bin")) {
            assertThat(sha256(in)).isEqualTo(sha256(data));
        }
        assertThat(storage().listIncomplete(root)).isEmpty();
    }

    @Test
    void putOfASliceStoresExactlyThoseBytesAndLeavesTheArrayToTheCaller() throws Exception {
        byte[] small = random(100_000, 3);
        byte[] large = random(LARGE, 4); // past the S3 part size: still one request
        storage().put(root + "slice-small", small, 1000, 50_000);
        storage().put(root + "slice-large", large, 7, LARGE - 100);
        java.util.Arrays.fill(small, (byte) 0); // the caller reuses its buffer once put returns
        assertThat(storage().getBytes(root + "slice-small")).isEqualTo(java.util.Arrays.copyOfRange(random(100_000, 3), 1000, 51_000));
        assertThat(sha256(storage().get(root + "slice-large"))).isEqualTo(sha256(java.util.Arrays.copyOfRange(large, 7, LARGE - 93)));
    }

    @Test
    void putFromStreamReturnsTheStoredSize() {
        byte[] data = random(300_000, 2);
        long n = storage().put(root + "stream", new java.io.ByteArrayInputStream(data));
        assertThat(n).isEqualTo(data.length);
        assertThat(storage().getBytes(root + "stream")).isEqualTo(data);
    }

    @Test
    void overwriteReplacesTheObject() {
        storage().put(root + "k", "one".getBytes(StandardCharsets.UTF_8));
        storage().put(root + "k", "two, longer".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(storage().getBytes(root + "k"), StandardCharsets.UTF_8)).isEqualTo("two, longer");
    }

    @Test
    void getOfMissingKeyThrowsObjectNotFound() {
        assertThatThrownBy(() -> storage().get(root + "missing"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessageContaining(root + "missing")
                .satisfies(e -> assertThat(((ObjectNotFoundException) e).key()).isEqualTo(root + "missing"));
        assertThatThrownBy(() -> storage().get(root + "missing", 10, 5)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> storage().get(root + "missing", 0, 0)).isInstanceOf(ObjectNotFoundException.class);
        assertThat(storage().stat(root + "missing")).isEmpty();
    }

    @Test
    void rangedReadsReturnExactlyTheRequestedBytes() throws IOException {
        byte[] data = random(100_000, 3);
        storage().put(root + "r", data);

        assertThat(read(storage().get(root + "r", 1000, 500))).isEqualTo(slice(data, 1000, 500));
        assertThat(read(storage().get(root + "r", 99_000, -1))).isEqualTo(slice(data, 99_000, 1000));
        assertThat(read(storage().get(root + "r", 0, 1))).isEqualTo(slice(data, 0, 1));
        // past the end: truncated; at or beyond the end: empty
        assertThat(read(storage().get(root + "r", 99_990, 100))).isEqualTo(slice(data, 99_990, 10));
        assertThat(read(storage().get(root + "r", 100_000, 10))).isEmpty();
        assertThat(read(storage().get(root + "r", 500_000, -1))).isEmpty();
        assertThat(read(storage().get(root + "r", 5, 0))).isEmpty();
    }

    @Test
    void closingAReadEarlyIsCheap() throws IOException {
        byte[] data = random(LARGE, 4);
        storage().put(root + "early", data);
        try (InputStream in = storage().get(root + "early")) {
            assertThat(in.readNBytes(10)).isEqualTo(slice(data, 0, 10));
        }
        // the storage is still usable afterwards (no poisoned connection)
        assertThat(storage().stat(root + "early")).isPresent();
    }

    @Test
    void listIsSortedAndMatchesPlainStringPrefixes() {
        for (String k : List.of("b/2", "a/1", "a/10/x", "ab/3", "a/2", "c")) {
            storage().put(root + k, k.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(keys(storage().list(root))).containsExactly(
                root + "a/1", root + "a/10/x", root + "a/2", root + "ab/3", root + "b/2", root + "c");
        assertThat(keys(storage().list(root + "a/1"))).containsExactly(root + "a/1", root + "a/10/x");
        assertThat(keys(storage().list(root + "a"))).containsExactly(
                root + "a/1", root + "a/10/x", root + "a/2", root + "ab/3");
        assertThat(storage().list(root + "zzz")).isEmpty();
        assertThat(storage().list(root + "a/2").get(0).size()).isEqualTo(3);
    }

    @Test
    void listPrefixesShowsTheDirectoriesDirectlyBelow() {
        for (String k : List.of("backups/20250101-000000L/manifest.json", "backups/20250102-000000L/data",
                "backups/20250102-000000L/sub/file", "wal/00000001/x", "format.json")) {
            storage().put(root + k, new byte[] {1});
        }
        assertThat(storage().listPrefixes(root)).containsExactly(root + "backups/", root + "wal/");
        assertThat(storage().listPrefixes(root + "backups/")).containsExactly(
                root + "backups/20250101-000000L/", root + "backups/20250102-000000L/");
        assertThat(storage().listPrefixes(root + "nothing/")).isEmpty();
        assertThatThrownBy(() -> storage().listPrefixes(root + "backups")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deleteRemovesAndIsIdempotent() {
        storage().put(root + "d/1", new byte[] {1});
        storage().put(root + "d/2", new byte[] {2});
        storage().put(root + "d/3", new byte[] {3});
        storage().delete(root + "d/1");
        storage().delete(root + "d/1");
        storage().delete(root + "never-existed");
        assertThat(storage().stat(root + "d/1")).isEmpty();
        assertThatThrownBy(() -> storage().get(root + "d/1")).isInstanceOf(ObjectNotFoundException.class);

        storage().delete(List.of(root + "d/2", root + "d/3", root + "d/missing"));
        assertThat(storage().list(root)).isEmpty();
        assertThat(storage().listPrefixes(root)).isEmpty();
    }

    @Test
    void aWriteClosedWithoutCommitLeavesNothing() throws IOException {
        try (StorageOutput out = storage().create(root + "aborted-small")) {
            out.write(random(1000, 5));
        }
        try (StorageOutput out = storage().create(root + "aborted-big")) {
            out.write(random(LARGE, 6));
        }
        assertThat(storage().stat(root + "aborted-small")).isEmpty();
        assertThat(storage().stat(root + "aborted-big")).isEmpty();
        assertThat(storage().list(root)).isEmpty();
        assertThat(storage().listIncomplete(root)).isEmpty();
    }

    /** Whether the store keeps an object when a write that would replace it is aborted (S3Mock does not). */
    protected boolean anAbortedWriteKeepsTheOldObject() {
        return true;
    }

    @Test
    void anExceptionBeforeCommitPublishesNothingAndKeepsTheOldObject() {
        org.junit.jupiter.api.Assumptions.assumeTrue(anAbortedWriteKeepsTheOldObject(),
                "this store removes the old object when an upload to its key is aborted");
        storage().put(root + "kept", "old".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> {
            try (StorageOutput out = storage().create(root + "kept")) {
                out.write(random(LARGE, 8));
                throw new IllegalStateException("producer failed");
            }
        }).hasMessage("producer failed");
        assertThat(new String(storage().getBytes(root + "kept"), StandardCharsets.UTF_8)).isEqualTo("old");
        assertThat(storage().listIncomplete(root)).isEmpty();
    }

    @Test
    void anAbandonedWriteIsListedAsIncompleteUntilAborted() throws IOException {
        // a writer never closed stands for a killed process
        StorageOutput abandoned = storage().create(root + "x/abandoned");
        abandoned.write(random(LARGE, 9));
        abandoned.flush();

        List<IncompleteWrite> incomplete = storage().listIncomplete(root);
        assertThat(incomplete).hasSize(1);
        assertThat(incomplete.get(0).key()).isEqualTo(root + "x/abandoned");
        assertThat(storage().listIncomplete(root + "x/")).hasSize(1);
        assertThat(storage().listIncomplete(root + "y/")).isEmpty();
        assertThat(storage().list(root)).isEmpty();
        assertThat(storage().listPrefixes(root)).isEmpty();

        storage().abort(incomplete.get(0));
        storage().abort(incomplete.get(0));
        assertThat(storage().listIncomplete(root)).isEmpty();
        abandoned.close(); // the late close of the dead writer must not fail either
        assertThat(storage().list(root)).isEmpty();
    }

    @Test
    void writeAfterCommitFails() throws IOException {
        StorageOutput out = storage().create(root + "once");
        out.write(1);
        out.commit();
        assertThatThrownBy(() -> out.write(2)).isInstanceOf(IOException.class);
        assertThatThrownBy(out::commit).isInstanceOf(IllegalStateException.class);
        out.close();
        assertThat(storage().getBytes(root + "once")).containsExactly(1);
    }

    @Test
    void concurrentWritersDoNotInterfere() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    byte[] data = random(6 * 1024 * 1024 + n * 1000, 20 + n);
                    storage().put(root + "c/" + n, new java.io.ByteArrayInputStream(data));
                    return data;
                }));
            }
            for (int i = 0; i < 4; i++) {
                byte[] expected = results.get(i).get();
                try (InputStream in = storage().get(root + "c/" + i)) {
                    assertThat(sha256(in)).isEqualTo(sha256(expected));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void invalidKeysAreRejected() {
        for (String bad : List.of("", "/abs", "a//b", "a/../b", "trailing/", "a/./b", "sp ace", "hash#")) {
            assertThatThrownBy(() -> storage().stat(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void locationNamesTheObject() {
        assertThat(storage().location(root + "a/b")).endsWith(root + "a/b");
    }

    // ---- helpers --------------------------------------------------------------------------

    protected static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static String sha256(byte[] data) {
        return Digests.sha256(data);
    }

    protected static String sha256(InputStream in) throws IOException {
        return Digests.sha256(in);
    }

    private static byte[] read(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static byte[] slice(byte[] data, int from, int length) {
        byte[] b = new byte[length];
        System.arraycopy(data, from, b, 0, length);
        return b;
    }

    private static List<String> keys(List<ObjectInfo> infos) {
        return infos.stream().map(ObjectInfo::key).toList();
    }
}
