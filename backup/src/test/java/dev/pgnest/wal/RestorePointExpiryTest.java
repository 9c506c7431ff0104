package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.repository.RestorePointRecords;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore point records go with the WAL that holds their point: an archive listing as WAL
 * expiry sees it (segments are listed, never read), one physical backup starting in segment 4.
 */
class RestorePointExpiryTest {
    static final String TARGET = "shop";

    @TempDir
    Path dir;

    @Test
    void aRecordWhoseSegmentExpiresIsRemovedWithItAndOthersStay() {
        try (Storage storage = new FsStorageConfig(dir.resolve("repo")).open()) {
            Repository.init(storage);
            Repository repository = Repository.open(storage);
            Instant now = Instant.parse("2026-12-06T10:00:00Z");
            storage.put(RepositoryLayout.walPrefix(TARGET) + WalArchive.INFO_NAME,
                    RepositoryJson.write(new ArchiveInfo("7", WalSegment.DEFAULT_SIZE, now)));
            for (int n = 1; n <= 6; n++) {
                storage.put(RepositoryLayout.walKey(TARGET, String.format("0000000100000000%08X", n), Compression.NONE),
                        new byte[] {1});
            }
            storage.put(RepositoryLayout.manifestKey(TARGET, "20261206-090000P"), RepositoryJson.write(new BackupManifest(1,
                    "20261206-090000P", BackupKind.PHYSICAL, TARGET, now.minusSeconds(3600), now.minusSeconds(3500), "test",
                    null, "4", List.of(), List.of(), Compression.ZSTD, null, List.of(), null,
                    new BackupManifest.PhysicalInfo(1, "0/4000028", "0/4000100", "000000010000000000000004",
                            "000000010000000000000004", "files"))));
            RestorePointRecord expired = point("2", "0/2000090", 1, "000000010000000000000002");
            RestorePointRecord kept = point("3", "0/5000090", 1, "000000010000000000000005");
            // made after a promotion whose WAL is not archived yet
            RestorePointRecord unarchived = point("4", "0/6000090", 3, "000000030000000000000006");
            for (RestorePointRecord r : List.of(expired, kept, unarchived)) {
                RestorePointRecords.save(storage, TARGET, r);
            }
            WalArchive archive = WalArchive.reader(storage, TARGET);

            WalRetention.Outcome dry = WalRetention.expire(repository, archive, true);
            assertThat(dry.removed()).isEqualTo(3);
            assertThat(RestorePointRecords.list(storage, TARGET)).containsExactly(expired, kept, unarchived);

            WalRetention.Outcome real = WalRetention.expire(repository, archive, false);
            assertThat(real.removed()).isEqualTo(3);
            assertThat(archive.contains("000000010000000000000002")).isFalse();
            assertThat(RestorePointRecords.list(storage, TARGET)).containsExactly(kept, unarchived);
        }
    }

    private static RestorePointRecord point(String migration, String lsn, long timeline, String walFile) {
        return new RestorePointRecord("pgnest_shop_before_v" + migration + "_20261206T0" + migration + "0000Z", lsn,
                Instant.parse("2026-12-06T0" + migration + ":00:00Z"), timeline, walFile, migration, "1", "db-host");
    }
}
