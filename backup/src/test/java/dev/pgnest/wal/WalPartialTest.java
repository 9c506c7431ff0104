package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code .partial} a synchronous wal stream stores, and recovery's use of it. */
class WalPartialTest {
    static final long MB16 = WalSegment.DEFAULT_SIZE;
    static final WalSegment SEGMENT = new WalSegment(1, 5);
    static final String NAME = SEGMENT.name(MB16);

    @TempDir
    Path tmp;

    @Test
    void aLongerPartialReplacesAShorterOneNeverTheReverseAndRecoveryGetsItPaddedToAWholeSegment() throws Exception {
        try (Storage storage = new FsStorageConfig(tmp.resolve("repo")).open()) {
            Repository.init(storage);
            WalArchive archive = new WalArchive(storage, "main", Compression.ZSTD, 1);
            byte[] wal = wal(100_000);

            assertThat(archive.pushPartial(write("a", wal, 60_000), NAME).outcome()).isEqualTo(WalArchive.PushOutcome.STORED);
            assertThat(archive.pushPartial(write("b", wal, 100_000), NAME).outcome()).isEqualTo(WalArchive.PushOutcome.STORED);
            // a receiver that restarted holds less for a while: the archive keeps the longer
            assertThat(archive.pushPartial(write("c", wal, 30_000), NAME).outcome())
                    .isEqualTo(WalArchive.PushOutcome.ALREADY_ARCHIVED);
            byte[] other = wal.clone();
            other[50_000] ^= 1;
            assertThatThrownBy(() -> archive.pushPartial(write("d", other, 100_000), NAME))
                    .isInstanceOf(PgnestException.class).hasMessageContaining("first difference at byte 50000");

            // prefetch never takes a partial for the segment; restore_command does, padded
            assertThatThrownBy(() -> archive.fetch(NAME, tmp.resolve("prefetched"))).isInstanceOf(WalNotFoundException.class);
            Path restored = tmp.resolve("restored");
            assertThat(archive.fetchForRecovery(NAME, restored)).isEqualTo(MB16);
            byte[] got = Files.readAllBytes(restored);
            assertThat(got).hasSize((int) MB16);
            assertThat(Arrays.copyOf(got, wal.length)).isEqualTo(wal);
            assertThat(Arrays.copyOfRange(got, wal.length, got.length)).containsOnly((byte) 0);

            // once the whole segment is archived, recovery gets that
            byte[] whole = Arrays.copyOf(wal, (int) MB16);
            whole[(int) MB16 - 1] = 7;
            archive.push(write(NAME, whole, whole.length));
            archive.fetchForRecovery(NAME, restored);
            assertThat(Files.readAllBytes(restored)).isEqualTo(whole);
        }
    }

    /** A segment's start: a valid long page header, then random bytes. */
    static byte[] wal(int length) {
        byte[] b = new byte[length];
        new Random(5).nextBytes(b);
        byte[] header = WalNamingTest.header(0xD110, 0x0006, 1, SEGMENT.startLsn(MB16).value(), 7312345678901234567L, MB16);
        System.arraycopy(header, 0, b, 0, WalPageHeader.SIZE);
        return b;
    }

    Path write(String name, byte[] bytes, int length) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in-" + name));
        return Files.write(dir.resolve(name.length() == 24 ? name : NAME + ".partial"), Arrays.copyOf(bytes, length));
    }
}
