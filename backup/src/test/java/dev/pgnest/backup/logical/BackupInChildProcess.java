package dev.pgnest.backup.logical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.net.URI;
import java.nio.file.Path;

/**
 * A logical backup in its own JVM, so a test can kill -9 it half-way. Everything comes from
 * the environment (secrets included, as they would in production).
 */
public final class BackupInChildProcess {
    private BackupInChildProcess() {
    }

    public static void main(String[] args) {
        var env = System.getenv();
        S3StorageConfig s3 = S3StorageConfig.builder(env.get("T_BUCKET")).prefix(env.get("T_PREFIX"))
                .endpoint(URI.create(env.get("T_ENDPOINT"))).region("us-east-1").pathStyle(true)
                .credentials(env.get("T_ACCESS_KEY"), env.get("T_SECRET_KEY"))
                .partSize(5 * S3StorageConfig.MIB).partsInFlight(2).build();
        try (Storage storage = s3.open()) {
            Repository repository = Repository.open(storage);
            DatabaseConnection db = DatabaseConnection.parse(env.get("T_JDBC_URL"), env.get("T_USER"), env.get("T_PASSWORD"));
            LogicalBackup.run(repository, db,
                    LogicalBackupOptions.defaults(env.get("T_TARGET")).withPgBinDir(Path.of(env.get("T_BIN_DIR"))),
                    BackupProgress.NONE);
        }
    }
}
