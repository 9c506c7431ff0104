package dev.pgnest.serve;

import dev.pgnest.backup.physical.BackupType;
import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.Repository;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobResult;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.wal.WalArchive;
import java.util.function.Function;

/**
 * The physical backup as a scheduled job of {@code pgnest serve} ({@code schedule.physical}),
 * of the type the target's {@code backup.physical.type} names.
 */
public final class PhysicalBackupJob {
    private PhysicalBackupJob() {
    }

    /**
     * @param storage    the repository's storage
     * @param connection each target's database
     * @param options    backup options per target
     */
    public static Job job(StorageConfig storage, Function<String, DatabaseConnection> connection,
                          Function<String, PhysicalBackup.Options> options) {
        return job(storage, connection, options, t -> BackupType.FULL);
    }

    /** @param type full, diff or incr per target */
    public static Job job(StorageConfig storage, Function<String, DatabaseConnection> connection,
                          Function<String, PhysicalBackup.Options> options, Function<String, BackupType> type) {
        return ctx -> {
            try (Storage s = storage.open()) {
                PhysicalBackup.Options o = options.apply(ctx.target());
                WalArchive archive = new WalArchive(s, ctx.target(), o.compression(), o.level());
                PhysicalBackup.Result r = new PhysicalBackup(connection.apply(ctx.target()), Repository.open(s), ctx.target(),
                        archive, o, type.apply(ctx.target())).run();
                return JobResult.backup(r.manifest().id(), r.storedBytes(), "physical " + r.manifest().physical().type()
                        + " backup " + r.manifest().id() + ", "
                        + r.files() + " files, " + r.storedBytes() + " bytes stored (" + r.method().name().toLowerCase() + ")");
            }
        };
    }
}
