package dev.pgnest.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.plan.RestorePlan;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import dev.pgnest.restore.testing.ShopDatabase;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logical restores from a real S3 API (S3Proxy) into a real cluster. The shop database is
 * backed up before migration 2 (a pre-migration snapshot) and after it, then changed; each
 * restore must give exactly the table checksums of its backup.
 */
@IntegrationTest
class LogicalRestoreTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("restore");

    static PostgresCluster pg; // started by servers
    static S3Server s3; // started by servers
    static Storage storage;
    static Repository repository;
    @TempDir
    static Path tmp;

    static BackupManifest preMigration;
    static Map<String, String> atPreMigration;
    static BackupManifest afterMigration;
    static Map<String, String> atAfterMigration;

    @BeforeAll
    static void backups() {
        storage = S3StorageConfig.builder("restore").prefix("repo").endpoint(s3.endpoint()).region(s3.region())
                .pathStyle(true).credentials(s3.accessKeyId(), s3.secretAccessKey()).build().open();
        servers.closeAfterAll(storage);
        Repository.init(storage);
        repository = Repository.open(storage);

        Path migrations = ShopDatabase.writeMigrations(tmp.resolve("migrations"));
        ShopDatabase.create(pg, "shop", migrations, "1");
        preMigration = backup("shop", LogicalBackupOptions.defaults("shop").withTags(
                List.of(BackupManifest.TAG_PRE_MIGRATION), List.of("2")));
        atPreMigration = ShopDatabase.checksums(pg, "shop");

        ShopDatabase.migrate(pg, "shop", migrations, "2");
        pg.execute("shop", "update orders set note = 'changed after V2' where id % 10 = 0");
        afterMigration = backup("shop", LogicalBackupOptions.defaults("shop"));
        atAfterMigration = ShopDatabase.checksums(pg, "shop");

        // what happens after the last backup must not show up in any restore
        pg.execute("shop", "delete from orders where id > 1000; update customers set name = 'gone'");
        assertThat(ShopDatabase.checksums(pg, "shop")).isNotEqualTo(atAfterMigration);
        assertThat(preMigration.schemaVersion()).isEqualTo("1");
        assertThat(afterMigration.schemaVersion()).isEqualTo("2");
    }

    @Test
    void latestBackupRestoresIntoANewDatabaseWithTheChecksumsOfBackupTime() {
        ReportRecorder report = recorder();
        LogicalRestore.Result result = LogicalRestore.run(repository, server(), options().withInto("shop_latest"), report);

        assertThat(result.backup().id()).isEqualTo(afterMigration.id());
        assertThat(result.replaced()).isFalse();
        assertThat(ShopDatabase.checksums(pg, "shop_latest")).isEqualTo(atAfterMigration);
        IncidentReport done = report.succeed();
        assertThat(done.phases()).extracting(IncidentReport.Phase::name)
                .containsExactly("choose backup", "download and verify", "create database", "pg_restore", "rename to shop_latest");
        assertThat(done.checks()).allMatch(IncidentReport.Check::passed);
        assertThat(done.backup().id()).isEqualTo(afterMigration.id());
        assertThat(ShopDatabase.databaseExists(pg, DatabaseSwap.workName("shop_latest"))).isFalse();
    }

    @Test
    void beforeMigrationRestoresThePreMigrationSnapshotWithTheDroppedColumnAndItsData() {
        LogicalRestore.Result result = LogicalRestore.run(repository, server(),
                options().withBackup(new BackupSelector.BeforeMigration("2")).withInto("shop_before_v2"), recorder());

        assertThat(result.backup().id()).isEqualTo(preMigration.id());
        assertThat(pg.queryForString("shop_before_v2", "select email from customers where id = 42")).isEqualTo("c42@example.com");
        assertThat(ShopDatabase.checksums(pg, "shop_before_v2")).isEqualTo(atPreMigration);
    }

    @Test
    void streamedRestoreWithoutStagingGivesTheSameData() {
        LogicalRestore.run(repository, server(), options().withBackup(new BackupSelector.ById(preMigration.id()))
                .withStaging(null, 1).withInto("shop_streamed"), recorder());
        assertThat(ShopDatabase.checksums(pg, "shop_streamed")).isEqualTo(atPreMigration);
    }

    @Test
    void parallelRestoreFromTheStagedDump() {
        LogicalRestore.run(repository, server(), options().withStaging(tmp.resolve("staging"), 3).withInto("shop_parallel"),
                recorder());
        assertThat(ShopDatabase.checksums(pg, "shop_parallel")).isEqualTo(atAfterMigration);
        assertThat(tmp.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void tableFilterRestoresOnlyThatTable() {
        LogicalRestore.run(repository, server(), options().withFilters(List.of(), List.of("customers")).withInto("shop_customers"),
                recorder());
        assertThat(ShopDatabase.checksums(pg, "shop_customers"))
                .containsExactlyEntriesOf(Map.of("customers", atAfterMigration.get("customers")));
    }

    @Test
    void anExistingDatabaseIsReplacedOnlyWithReplaceAndOnAProtectedTargetOnlyWithForce() {
        pg.createDatabase("shop_copy");
        pg.execute("shop_copy", "create table junk (id int); insert into junk values (1)");

        assertThatThrownBy(() -> LogicalRestore.run(repository, server(), options().withInto("shop_copy"), recorder()))
                .isInstanceOf(PgnestException.class)
                .hasMessage("database shop_copy exists on 127.0.0.1:" + pg.port() + ": add --replace to restore over it "
                        + "(it is kept until the restore succeeded), or choose another --into");
        assertThatThrownBy(() -> LogicalRestore.run(repository, server(),
                options().withInto("shop_copy").withReplace(true, false, true), recorder()))
                .hasMessageStartingWith("database shop_copy exists on 127.0.0.1:" + pg.port()
                        + " and target 'shop' is protected: replacing it needs --force");
        assertThat(pg.queryForString("shop_copy", "select count(*) from junk")).isEqualTo("1");

        LogicalRestore.Result result = LogicalRestore.run(repository, server(),
                options().withInto("shop_copy").withReplace(true, true, true), recorder());
        assertThat(result.replaced()).isTrue();
        assertThat(ShopDatabase.checksums(pg, "shop_copy")).isEqualTo(atAfterMigration);
        assertThat(pg.queryForString("shop_copy", "select to_regclass('junk') is null")).isEqualTo("t");
        assertThat(ShopDatabase.databaseExists(pg, DatabaseSwap.oldName("shop_copy"))).isFalse();
    }

    @Test
    void aFlippedByteStopsTheRestoreNamingTheObjectBeforeTheTargetIsTouched() {
        pg.createDatabase("tiny");
        pg.execute("tiny", "create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 2000) g");
        BackupManifest tiny = backup("tiny", LogicalBackupOptions.defaults("tiny"));
        String key = RepositoryLayout.backupObjectKey("tiny", tiny.id(), tiny.objects().get(0).name());
        byte[] bytes = storage.getBytes(key);
        bytes[bytes.length / 2] ^= 0x01;
        storage.put(key, bytes);

        for (LogicalRestoreOptions o : List.of(
                LogicalRestoreOptions.defaults("tiny", binaries()).withInto("tiny_staged"),
                LogicalRestoreOptions.defaults("tiny", binaries()).withStaging(null, 1).withInto("tiny_streamed"))) {
            ReportRecorder report = recorder();
            assertThatThrownBy(() -> LogicalRestore.run(repository, server(), o, report))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageStartingWith("object dump.pgdump.zst of backup " + tiny.id() + " (s3://restore/repo/" + key
                            + ") has SHA-256 ")
                    .hasMessageContaining(", the manifest says " + tiny.objects().get(0).sha256() + "; nothing was restored");
            assertThat(ShopDatabase.databaseExists(pg, o.into())).isFalse();
            assertThat(ShopDatabase.databaseExists(pg, DatabaseSwap.workName(o.into()))).isFalse();
            assertThat(report.fail(new RuntimeException("x")).phases()).extracting(IncidentReport.Phase::name)
                    .doesNotContain("create database", "pg_restore");
        }
    }

    @Test
    void planSaysWhatWouldHappenAndChangesNothing() {
        RestorePlan plan = LogicalRestore.plan(repository, server(), options().withInto("shop_planned").withStaging(tmp, 2));
        assertThat(plan.backup().id()).isEqualTo(afterMigration.id());
        assertThat(plan.downloadBytes()).isEqualTo(afterMigration.storedSize());
        assertThat(plan.text()).anyMatch(l -> l.contains("pg_restore -j 2 into it"));
        assertThat(plan.destination()).isEqualTo("database shop_planned (new)");
        assertThat(ShopDatabase.databaseExists(pg, "shop_planned")).isFalse();
    }

    @Test
    void beforeAMigrationNoBackupPrecedesNamesWhatThereIs() {
        assertThatThrownBy(() -> LogicalRestore.run(repository, server(),
                options().withBackup(new BackupSelector.BeforeMigration("1")), recorder()))
                .hasMessageStartingWith("no logical backup of target 'shop' holds the schema before migration 1; backups: "
                        + preMigration.id() + " (1), " + afterMigration.id() + " (2)");
    }

    // ------------------------------------------------------------------------------------

    private static BackupManifest backup(String db, LogicalBackupOptions options) {
        return LogicalBackup.run(repository, ShopDatabase.connection(pg, db), options, BackupProgress.NONE);
    }

    private static LogicalRestoreOptions options() {
        return LogicalRestoreOptions.defaults("shop", binaries()).withStaging(tmp.resolve("staging"), 1);
    }

    private static PgBinaries binaries() {
        return PgBinaries.in(pg.binDir());
    }

    private static dev.pgnest.config.DatabaseConnection server() {
        return ShopDatabase.connection(pg, "shop");
    }

    private static ReportRecorder recorder() {
        return ReportRecorder.start(IncidentReport.Kind.logical, "shop", "pgnest test");
    }
}
