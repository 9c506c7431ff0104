package dev.pgnest.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestorePointRecordsTest {
    @TempDir
    Path dir;

    @Test
    void recordsAreStoredUnderTheTargetReadBackOldestFirstAndDeleted() {
        try (Storage storage = new FsStorageConfig(dir.resolve("repo")).open()) {
            Repository.init(storage);
            RestorePointRecord later = point("pgnest_shop_before_v3_20261206T101500Z", "0/5000090", "2026-12-06T10:15:00Z", "3");
            RestorePointRecord earlier = point("pgnest_shop_before_v2_20261206T090000Z", "0/3000028", "2026-12-06T09:00:00Z", "2");
            String location = RestorePointRecords.save(storage, "shop", later);
            RestorePointRecords.save(storage, "shop", earlier);
            storage.put(RepositoryLayout.restorePointsPrefix("shop") + "broken.json", "{not json".getBytes(StandardCharsets.UTF_8));

            assertThat(location).isEqualTo(storage.location("shop/restore-points/pgnest_shop_before_v3_20261206T101500Z.json"));
            assertThat(RestorePointRecords.list(storage, "shop")).containsExactly(earlier, later);
            assertThat(RestorePointRecords.list(storage, "other")).isEmpty();

            RestorePointRecords.delete(storage, "shop", List.of(earlier));
            assertThat(RestorePointRecords.list(storage, "shop")).containsExactly(later);
        }
    }

    @Test
    void aNameThatCannotBeAFileIsRefused() {
        assertThatThrownBy(() -> RepositoryLayout.restorePointKey("shop", "../manifest"))
                .hasMessage("restore point name '../manifest' cannot name a repository file: use letters, digits, '.', '_' and '-' (at most 63)");
    }

    private static RestorePointRecord point(String name, String lsn, String at, String migration) {
        return new RestorePointRecord(name, lsn, Instant.parse(at), 1, "000000010000000000000003", migration, "1", "db-host");
    }
}
