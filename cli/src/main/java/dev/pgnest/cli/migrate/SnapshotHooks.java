package dev.pgnest.cli.migrate;

import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.cli.backup.LogicalSnapshotHook;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.migrate.RestorePointHook;
import dev.pgnest.migrate.Snapshot;
import dev.pgnest.repository.RepositorySettings;

/** The pre-migration snapshot a target's {@code pre-migration.snapshot} setting asks for. */
final class SnapshotHooks {
    private SnapshotHooks() {
    }

    static PreMigrationHook forTarget(PgnestConfig config) {
        SettingValues target = config.target();
        return switch (target.require(Settings.PRE_MIGRATION_SNAPSHOT)) {
            case "none" -> PreMigrationHook.NONE;
            case "logical-backup" -> logical(config);
            case "both" -> both(restorePoint(config), logical(config));
            default -> restorePoint(config);
        };
    }

    /** A restore point, recorded in the target's repository for the status page and PITR. */
    private static PreMigrationHook restorePoint(PgnestConfig config) {
        return new RecordedRestorePointHook(new RestorePointHook(), () -> RepositorySettings.storage(config.repository()));
    }

    /** The repository is resolved only when a protected deploy really needs it. */
    private static PreMigrationHook logical(PgnestConfig config) {
        return context -> {
            SettingValues repository = config.repository();
            LogicalBackupOptions options = LogicalBackupOptions.defaults(config.target().name())
                    .withCompression(RepositorySettings.compression(repository), RepositorySettings.compressionLevel(repository))
                    .withPgBinDir(config.global().get(Settings.PG_BIN_DIR).orElse(null));
            return new LogicalSnapshotHook(RepositorySettings.storage(repository), config.connection(), options)
                    .beforeMigrate(context);
        };
    }

    /** A restore point (instant) and then a logical backup; the report names both. */
    private static PreMigrationHook both(PreMigrationHook restorePoint, PreMigrationHook backup) {
        return context -> {
            Snapshot point = restorePoint.beforeMigrate(context);
            Snapshot dump = backup.beforeMigrate(context);
            String pointNote = point.recorded() ? "restore point " + point.name() : "no restore point (" + point.note() + ")";
            return new Snapshot(dump.kind(), dump.name(), dump.location(), dump.schemaVersion(), dump.takenAt(),
                    dump.note() == null ? pointNote : dump.note() + "; " + pointNote);
        };
    }
}
