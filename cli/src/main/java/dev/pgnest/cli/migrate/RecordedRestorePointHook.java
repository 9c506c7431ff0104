package dev.pgnest.cli.migrate;

import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.migrate.Snapshot;
import dev.pgnest.repository.ProcessIdentity;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.repository.RestorePointRecords;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restore point hook, and then a record of the point in the repository
 * ({@code <target>/restore-points/<name>.json}), so the status page, the restorable-window
 * picture and {@code restore pitr --before-migration} know it without reading WAL. The point
 * is what protects the deploy: a record that cannot be written is logged (and noted in the
 * report), never a reason to stop the deploy; PITR still finds the point in the archived WAL.
 */
final class RecordedRestorePointHook implements PreMigrationHook {
    private static final Logger LOG = LoggerFactory.getLogger(RecordedRestorePointHook.class);

    private final PreMigrationHook restorePoint;
    private final Supplier<StorageConfig> repository;

    /** @param repository resolved only once a point was made (a target without a repository still deploys) */
    RecordedRestorePointHook(PreMigrationHook restorePoint, Supplier<StorageConfig> repository) {
        this.restorePoint = restorePoint;
        this.repository = repository;
    }

    @Override
    public Snapshot beforeMigrate(Context context) throws Exception {
        Snapshot point = restorePoint.beforeMigrate(context);
        if (!point.recorded()) {
            return point;
        }
        try {
            String walFile = walFile(context.connection(), point.location());
            RestorePointRecord record = new RestorePointRecord(point.name(), point.location(), point.takenAt(),
                    Long.parseLong(walFile.substring(0, 8), 16), walFile, context.firstPending(), context.schemaVersion(),
                    ProcessIdentity.current().host());
            try (Storage storage = repository.get().open()) {
                String location = RestorePointRecords.save(Repository.open(storage).storage(), context.target().name(), record);
                LOG.info("recorded restore point {} at {}", point.name(), location);
            }
            return point;
        } catch (RuntimeException | SQLException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.warn("restore point {} was made but not recorded in the repository ({}): the status page will not show it;"
                    + " restore pitr --before-migration still finds it in the archived WAL", point.name(), why);
            return new Snapshot(point.kind(), point.name(), point.location(), point.schemaVersion(), point.takenAt(),
                    "not recorded in the repository: " + why);
        }
    }

    /** The WAL file holding {@code lsn} (its timeline is the server's current one: a primary's). */
    private static String walFile(Connection c, String lsn) throws SQLException {
        return PreMigrationHook.underSavepoint(c, () -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_walfile_name(?::pg_lsn)")) {
                ps.setString(1, lsn);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }
}
