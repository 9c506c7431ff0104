package dev.pgnest.backup.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryFormat;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification against damaged repositories (the happy path on real dumps is in LogicalBackupTest). */
class BackupVerifierTest {
    @TempDir
    Path dir;
    Storage storage;
    Repository repository;
    BackupVerifier verifier;

    @BeforeEach
    void open() {
        storage = new FsStorageConfig(dir).open();
        Repository.init(storage);
        repository = Repository.open(storage);
        verifier = new BackupVerifier(repository, null);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void aFlippedByteIsFoundAndRecorded() {
        String id = backup(Compression.ZSTD);
        assertThat(verifier.verify("main", id, false).ok()).isTrue();
        assertThat(repository.catalog().get("main", id).verifiedOk()).isTrue();

        String key = RepositoryLayout.backupObjectKey("main", id, "dump.pgdump.zst");
        byte[] bytes = storage.getBytes(key);
        bytes[bytes.length / 2] ^= 0x01;
        storage.put(key, bytes);

        VerifyResult result = verifier.verify("main", id, false);
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).singleElement().asString()
                .startsWith("dump.pgdump.zst: SHA-256 ").contains("differs from the manifest's");
        assertThat(repository.catalog().get("main", id).verifiedOk()).isFalse();
        assertThat(repository.catalog().get("main", id).verification().problems()).isEqualTo(result.problems());

        // deep: zstd's own frame checksum also catches it
        assertThat(verifier.verify("main", id, true).problems()).anySatisfy(p -> assertThat(p).contains("SHA-256"));
    }

    @Test
    void aMissingOrTruncatedObjectIsNamed() {
        String id = backup(Compression.NONE);
        String key = RepositoryLayout.backupObjectKey("main", id, "dump.pgdump");
        byte[] bytes = storage.getBytes(key);
        storage.put(key, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThat(verifier.verify("main", id, false).problems())
                .containsExactly("dump.pgdump: " + (bytes.length - 10) + " bytes stored, the manifest says " + bytes.length);
        storage.delete(key);
        assertThat(verifier.verify("main", id, false).problems()).containsExactly("dump.pgdump: missing from the repository");
    }

    @Test
    void deepVerificationRejectsSomethingThatIsNotADump() {
        String id = backup(Compression.GZIP);
        VerifyResult result = verifier.verify("main", id, true);
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).singleElement().asString()
                .startsWith("dump.pgdump.gz: pg_restore --list failed (exit 1): pg_restore: error:");
    }

    /** A logical backup whose "dump" is random bytes: fine for checksums, not for pg_restore. */
    private String backup(Compression compression) {
        byte[] data = new byte[200_000];
        new Random(5).nextBytes(data);
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            try (BackupObjectOutput out = backup.newObject("dump.pgdump", compression, compression == Compression.NONE ? 0 : 3)) {
                out.write(data);
                out.finish();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            backup.commit(new BackupManifest(RepositoryFormat.CURRENT, backup.id(), BackupKind.LOGICAL, "main",
                    backup.startTime(), Instant.now(), "test", null, null, List.of(), List.of(), compression, null,
                    backup.objects(), null, null));
            return backup.id();
        }
    }
}
