package dev.pgnest.backup.expire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryCheck;
import dev.pgnest.repository.RepositoryFormat;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupExpiryTest {
    @TempDir
    Path dir;

    @Test
    void dryRunDeletesNothingAndARealRunDeletesExactlyThePlannedBackups() {
        try (Storage storage = new FsStorageConfig(dir).open()) {
            Repository.init(storage);
            Repository repository = Repository.open(storage);
            Instant start = Instant.parse("2025-03-01T03:00:00Z");
            for (int day = 0; day < 5; day++) {
                backup(repository, start.plus(Duration.ofDays(day)));
            }
            Instant now = start.plus(Duration.ofDays(5));

            ExpiryPlan dry = BackupExpiry.expire(repository, "main", RetentionPolicy.keepLast(2), true, now, ZoneOffset.UTC).plan();
            assertThat(dry.toDelete()).extracting(Catalog.Entry::id)
                    .containsExactly("20250301-030000L", "20250302-030000L", "20250303-030000L");
            assertThat(repository.catalog().backups("main")).hasSize(5);

            ExpiryPlan done = BackupExpiry.expire(repository, "main", RetentionPolicy.keepLast(2), false, now, ZoneOffset.UTC).plan();
            assertThat(done.toDelete()).isEqualTo(dry.toDelete());
            assertThat(repository.catalog().backups("main")).extracting(Catalog.Entry::id)
                    .containsExactly("20250304-030000L", "20250305-030000L");
            // nothing of the expired backups is left, so repo check finds nothing either
            assertThat(storage.listPrefixes(RepositoryLayout.backupsPrefix("main"))).hasSize(2);
            assertThat(RepositoryCheck.run(repository, null, false).findings()).isEmpty();
        }
    }

    private static void backup(Repository repository, Instant at) {
        Repository atTime = repository.withTimings(Clock.fixed(at, ZoneOffset.UTC), Duration.ofMinutes(1), Duration.ofMinutes(15));
        try (PendingBackup backup = atTime.begin("main", BackupKind.LOGICAL)) {
            try (BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.ZSTD, 3)) {
                out.write(new byte[1000]);
                out.finish();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            backup.commit(new BackupManifest(RepositoryFormat.CURRENT, backup.id(), BackupKind.LOGICAL, "main",
                    backup.startTime(), at.plusSeconds(30), "test", null, null, List.of(), List.of(),
                    Compression.ZSTD, null, backup.objects(), null, null));
        }
    }
}
