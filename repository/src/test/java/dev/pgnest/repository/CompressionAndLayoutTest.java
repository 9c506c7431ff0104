package dev.pgnest.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressionAndLayoutTest {

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCompressionRoundTrips(Compression compression) throws Exception {
        byte[] data = new byte[2_000_000];
        Random r = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (r.nextInt(16));
        }
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (OutputStream out = compression.compress(stored, compression == Compression.NONE ? 0 : 3, 1)) {
            out.write(data);
        }
        if (compression != Compression.NONE) {
            assertThat(stored.size()).isLessThan(data.length * 3 / 4);
        }
        try (InputStream in = compression.decompress(new ByteArrayInputStream(stored.toByteArray()))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(Compression.parse(compression.id())).isEqualTo(compression);
        assertThat(Compression.ofName("x" + compression.extension())).isEqualTo(compression);
    }

    @Test
    void levelsAreCheckedPerCompression() {
        assertThat(Compression.ZSTD.checkLevel(19)).isEqualTo(19);
        assertThatThrownBy(() -> Compression.GZIP.checkLevel(12))
                .hasMessage("compression level 12 is not valid for gzip: use a level from 1 to 9 for gzip");
        assertThatThrownBy(() -> Compression.parse("lz4")).hasMessage("unknown compression 'lz4': use zstd, gzip or none");
    }

    @Test
    void layoutNamesBackupsAndWal() {
        assertThat(RepositoryLayout.manifestKey("main", "20250314-021500L")).isEqualTo("main/backups/20250314-021500L/manifest.json");
        assertThat(RepositoryLayout.walKey("main", "000000010000000A000000FF", Compression.ZSTD))
                .isEqualTo("main/wal/00000001/000000010000000A000000FF.zst");
        assertThat(RepositoryLayout.walKey("main", "00000002.history", Compression.NONE))
                .isEqualTo("main/wal/00000002/00000002.history");
        assertThat(RepositoryLayout.walKey("main", "000000010000000000000002.00000028.backup", Compression.GZIP))
                .isEqualTo("main/wal/00000001/000000010000000000000002.00000028.backup.gz");
        assertThat(RepositoryLayout.walTimelinePrefix("main", 10)).isEqualTo("main/wal/0000000A/");
        assertThatThrownBy(() -> RepositoryLayout.walKey("main", "../../etc/passwd", Compression.NONE))
                .hasMessageContaining("is not a WAL file name");
        assertThatThrownBy(() -> RepositoryLayout.checkTarget("a/b")).hasMessageContaining("cannot name a repository directory");
    }

    @Test
    void backupIdsSortByTimeAndCarryTheKind() {
        Instant t = Instant.parse("2025-03-14T02:15:09.700Z");
        assertThat(BackupId.of(t, BackupKind.LOGICAL)).isEqualTo("20250314-021509L");
        assertThat(BackupId.kind("20250314-021509P")).isEqualTo(BackupKind.PHYSICAL);
        assertThat(BackupId.time("20250314-021509L")).isEqualTo(Instant.parse("2025-03-14T02:15:09Z"));
        assertThatThrownBy(() -> BackupId.check("latest")).hasMessageContaining("'latest' is not a backup id");
    }
}
