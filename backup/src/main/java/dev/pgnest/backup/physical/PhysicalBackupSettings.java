package dev.pgnest.backup.physical;

import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.RepositorySettings;
import java.util.Locale;

/**
 * The options a target's {@code backup.physical.*} settings, the global parallelism and the
 * repository's compression describe, for {@code backup physical} and scheduled backups alike.
 */
public final class PhysicalBackupSettings {
    private PhysicalBackupSettings() {
    }

    public static PhysicalBackup.Options options(SettingValues global, SettingValues target, SettingValues repository) {
        PhysicalBackup.Options defaults = PhysicalBackup.Options.defaults();
        return new PhysicalBackup.Options(
                method(target.require(Settings.BACKUP_METHOD)),
                target.get(Settings.BACKUP_DATA_DIR).orElse(null),
                global.get(Settings.BACKUP_PARALLELISM).map(PhysicalBackupSettings::parallelism).orElse(defaults.parallelism()),
                RepositorySettings.compression(repository), RepositorySettings.compressionLevel(repository),
                defaults.fastCheckpoint(),
                target.require(Settings.BACKUP_WAL_TIMEOUT),
                defaults.bundleFileLimit(), defaults.bundleSize(),
                PgBinaries.in(global.get(Settings.PG_BIN_DIR).orElse(null)));
    }

    /** The type {@code backup.physical.type} names (full, diff, incr). */
    public static BackupType type(SettingValues target) {
        return BackupType.of(target.require(Settings.BACKUP_TYPE));
    }

    /** Files read at once: n, or for 0 the number of CPUs. */
    public static int parallelism(int n) {
        return n > 0 ? n : PhysicalBackup.Options.defaults().parallelism();
    }

    /** The method named as {@code backup.physical.method} names it (auto, files, pg_basebackup). */
    public static PhysicalBackup.Method method(String name) {
        return PhysicalBackup.Method.valueOf(name.strip().toUpperCase(Locale.ROOT));
    }
}
