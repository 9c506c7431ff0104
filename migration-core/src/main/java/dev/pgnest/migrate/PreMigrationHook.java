package dev.pgnest.migrate;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;

/**
 * Runs once before {@code deploy} applies the first pending migration to a
 * {@link Environment#PROTECTED} target, while deploy holds the migration lock, so the
 * snapshot shows exactly the schema the migrations start from. The backup module plugs a
 * logical backup in here; the default is {@link RestorePointHook}.
 *
 * <p>The connection may be inside the first migration's transaction: a hook that runs SQL
 * which can fail must do so under a savepoint ({@link #underSavepoint}), or the migration fails
 * with it.
 *
 * <p>Throw a {@link dev.pgnest.config.PgnestException} to stop the deploy before anything
 * is applied; return a {@link Snapshot} that says what was recorded (or why nothing was).
 */
@FunctionalInterface
public interface PreMigrationHook {

    Snapshot beforeMigrate(Context context) throws Exception;

    /**
     * @param schemaVersion the version before the deploy, or null for an empty database
     * @param firstPending  the version about to be applied
     * @param connection    the deploy's own connection; do not commit or close it
     */
    record Context(DatabaseTarget target, String schemaVersion, String firstPending, Connection connection) {
    }

    /** A hook that records nothing: for targets that are not protected. */
    PreMigrationHook NONE = context -> Snapshot.none("no pre-migration snapshot configured", context.schemaVersion());

    /** SQL a hook runs on the deploy's connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} on the deploy's connection so that its failure leaves the connection
     * usable: inside a transaction, under a savepoint rolled back when {@code work} throws (the
     * exception is rethrown for the hook to judge).
     */
    static <T> T underSavepoint(Connection c, SqlWork<T> work) throws SQLException {
        Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try {
            T result = work.run();
            if (savepoint != null) {
                c.releaseSavepoint(savepoint);
            }
            return result;
        } catch (SQLException e) {
            if (savepoint != null) {
                c.rollback(savepoint);
            }
            throw e;
        }
    }
}
