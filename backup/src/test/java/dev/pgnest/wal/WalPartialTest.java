package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
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

    @Test
    void expiryRemovesAPartialOnceItsWholeSegmentIsArchivedAndPartialsBeforeTheOldestBackupKeepingTheNewestOne()
            throws Exception {
        try (Storage storage = new FsStorageConfig(tmp.resolve("repo")).open()) {
            Repository.init(storage);
            WalArchive archive = new WalArchive(storage, "main", Compression.ZSTD, 1);
            WalSegment s3 = new WalSegment(1, 3);
            WalSegment s4 = new WalSegment(1, 4);
            WalSegment s6 = new WalSegment(1, 6);
            archive.push(write(s3.name(MB16), wal(s3, (int) MB16), (int) MB16));
            archive.pushPartial(write("4", wal(s4, 70_000), 70_000), s4.name(MB16)); // before the backup's start
            archive.pushPartial(write("5", wal(SEGMENT, 80_000), 80_000), NAME); // stale: the whole segment follows
            archive.push(write(NAME, wal(SEGMENT, (int) MB16), (int) MB16));
            byte[] newest = wal(s6, 90_000);
            archive.pushPartial(write("6", newest, 90_000), s6.name(MB16)); // the newest acknowledged WAL
            Instant t = Instant.parse("2026-12-06T10:00:00Z");
            BackupManifest backup = new BackupManifest(1, "20261206-100000P", BackupKind.PHYSICAL, "main", t, t.plusSeconds(60),
                    "test", null, "1", List.of(), List.of(), Compression.ZSTD, null, List.of(), null,
                    new BackupManifest.PhysicalInfo(1, "0/5000028", "0/5000100", NAME, NAME, "files"));
            List<String> expired = List.of(s3.name(MB16), s4.name(MB16) + ".partial", NAME + ".partial");

            WalRetention.Outcome dryRun = WalRetention.expire(archive, List.of(backup), List.of(), true);
            assertThat(dryRun.removed()).isEqualTo(3);
            assertThat(names(archive)).hasSize(5);

            WalRetention.Outcome outcome = WalRetention.expire(archive, List.of(backup), List.of(), false);
            assertThat(outcome.removed()).isEqualTo(3);
            assertThat(outcome.keepFrom()).contains(NAME);
            assertThat(names(archive)).containsExactlyInAnyOrder(NAME, s6.name(MB16) + ".partial").doesNotContainAnyElementsOf(expired);
            // recovery still reaches the end: the whole segment, then the newest partial
            Path restored = tmp.resolve("restored");
            archive.fetchForRecovery(NAME, restored);
            assertThat(Files.readAllBytes(restored)).isEqualTo(wal(SEGMENT, (int) MB16));
            archive.fetchForRecovery(s6.name(MB16), restored);
            assertThat(Arrays.copyOf(Files.readAllBytes(restored), newest.length)).isEqualTo(newest);
        }
    }

    static List<String> names(WalArchive archive) {
        return archive.files().stream().map(WalArchive.ArchivedFile::name).toList();
    }

    /** A segment's start: a valid long page header, then random bytes. */
    static byte[] wal(int length) {
        return wal(SEGMENT, length);
    }

    static byte[] wal(WalSegment segment, int length) {
        byte[] b = new byte[length];
        new Random(segment.number()).nextBytes(b);
        byte[] header = WalNamingTest.header(0xD110, 0x0006, 1, segment.startLsn(MB16).value(), 7312345678901234567L, MB16);
        System.arraycopy(header, 0, b, 0, WalPageHeader.SIZE);
        return b;
    }

    Path write(String name, byte[] bytes, int length) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in-" + name));
        return Files.write(dir.resolve(name.length() == 24 ? name : NAME + ".partial"), Arrays.copyOf(bytes, length));
    }
}
