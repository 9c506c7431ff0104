package dev.pgnest.cli.backup;

import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.migrate.Snapshot;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import java.util.List;

/**
 * The pre-migration snapshot as a real logical backup: before {@code migrate deploy} applies
 * anything to a protected target, the database is backed up, tagged {@code pre-migration} with
 * the version about to be applied, so that "restore to before V7" has a backup to restore.
 * A failed backup stops the deploy before anything is applied (the hook contract).
 *
 * <p>pg_dump runs in its own session while deploy holds Flyway's lock; it sees the schema as
 * it is before the first pending migration, and the manifest records that version.
 */
public final class LogicalSnapshotHook implements PreMigrationHook {
    private final StorageConfig storage;
    private final DatabaseConnection database;
    private final LogicalBackupOptions options;

    /** @param options the target, compression and pg bin dir; tags are added by the hook */
    public LogicalSnapshotHook(StorageConfig storage, DatabaseConnection database, LogicalBackupOptions options) {
        this.storage = storage;
        this.database = database;
        this.options = options;
    }

    @Override
    public Snapshot beforeMigrate(Context context) {
        List<String> tags = new java.util.ArrayList<>(options.tags());
        tags.add(BackupManifest.TAG_PRE_MIGRATION);
        LogicalBackupOptions tagged = options.withTags(tags,
                context.firstPending() == null ? List.of() : List.of(context.firstPending()));
        try (Storage s = storage.open()) {
            Repository repository = Repository.open(s);
            BackupManifest m = LogicalBackup.run(repository, database, tagged, BackupProgress.NONE);
            return new Snapshot("logical-backup", m.id(), repository.location() + " " + m.target() + "/" + m.id(),
                    m.schemaVersion() != null ? m.schemaVersion() : context.schemaVersion(), m.endTime(), null);
        }
    }
}
