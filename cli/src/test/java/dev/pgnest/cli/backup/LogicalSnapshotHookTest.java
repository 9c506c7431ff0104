package dev.pgnest.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The pre-migration snapshot as a logical backup, through migration-core's deploy hook. */
@IntegrationTest
class LogicalSnapshotHookTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("prod");
    }

    @Test
    void aProtectedDeployBacksUpFirstAndTheBackupStillHasTheDroppedColumn() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("migrations"));
        Files.writeString(migrations.resolve("V1__items.sql"), "create table items (id int primary key, note text);\n"
                + "insert into items select g, 'note ' || g from generate_series(1, 500) g;\n");
        Files.writeString(migrations.resolve("V2__drop_note.sql"), "alter table items drop column note;\n");
        DatabaseTarget standard = new DatabaseTarget("prod", pg.jdbcUrl("prod"), pg.user(), pg.password(), Environment.STANDARD);
        MigrationSettings settings = new MigrationSettings(standard, List.of("filesystem:" + migrations));
        new Migrations(settings).deployUpTo("1", DeployOptions.defaults());

        FsStorageConfig repo = new FsStorageConfig(dir.resolve("repo"));
        try (Storage s = repo.open()) {
            Repository.init(s);
        }
        LogicalSnapshotHook hook = new LogicalSnapshotHook(repo,
                DatabaseConnection.parse(pg.jdbcUrl("prod"), pg.user(), pg.password()),
                LogicalBackupOptions.defaults("prod").withPgBinDir(pg.binDir()));
        DatabaseTarget protectedTarget = new DatabaseTarget("prod", pg.jdbcUrl("prod"), pg.user(), pg.password(),
                Environment.PROTECTED);
        DeployReport report = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> new Migrations(settings.withTarget(protectedTarget)).deploy(DeployOptions.defaults().withAllowUnsafe(true).withHook(hook)));

        assertThat(report.versionAfter()).isEqualTo("2");
        assertThat(report.snapshot().kind()).isEqualTo("logical-backup");
        assertThat(pg.queryForString("prod", "select count(*) from information_schema.columns "
                + "where table_name = 'items' and column_name = 'note'")).isEqualTo("0");

        try (Storage s = repo.open()) {
            List<Catalog.Entry> backups = Repository.open(s).catalog().backups("prod");
            assertThat(backups).hasSize(1);
            BackupManifest m = backups.get(0).manifest();
            assertThat(report.snapshot().name()).isEqualTo(m.id());
            assertThat(m.tags()).containsExactly(BackupManifest.TAG_PRE_MIGRATION);
            assertThat(m.precedesMigrations()).containsExactly("2");
            assertThat(m.schemaVersion()).isEqualTo("1");

            // restored, the snapshot has the column the migration dropped, with its data
            pg.createDatabase("prod_before_v2");
            ProcessBuilder pb = new ProcessBuilder(pg.binDir().resolve("pg_restore").toString(),
                    "--dbname=prod_before_v2", "--no-owner", "--exit-on-error").redirectErrorStream(true);
            pb.environment().putAll(pg.libpqEnvironment());
            Process p = pb.start();
            var dump = m.objects().get(0);
            try (InputStream in = dump.compression().decompress(s.get(RepositoryLayout.backupObjectKey("prod", m.id(), dump.name())));
                 OutputStream out = p.getOutputStream()) {
                in.transferTo(out);
            }
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(output).isZero();
            assertThat(pg.queryForString("prod_before_v2", "select count(note) || ' ' || max(note) from items"))
                    .isEqualTo("500 note 99");
        }
    }
}
