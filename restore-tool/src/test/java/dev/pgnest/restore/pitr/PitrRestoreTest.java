package dev.pgnest.restore.pitr;

import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.postgres.server.LocalServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.restore.drill.RestoreDrill;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.pitr.PointInTimeRecovery.AfterRecovery;
import dev.pgnest.restore.pitr.PointInTimeRecovery.Archiving;
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
import dev.pgnest.testing.WalCommandServer;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time recovery from a repository on a real S3 API: two physical base backups and
 * WAL archived through the repository while a workload records (commit time, LSN, checksum)
 * at 20 points; restores to several of them by time, LSN and restore point must give exactly
 * the recorded checksums.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class PitrRestoreTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("pitr");

    static final String TARGET = "app";
    static final String CHECKSUM = "select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by id)), '') from t";

    record Point(int n, String time, String lsn, String restorePoint, String checksum) {
    }

    @TempDir
    static Path tmp;
    static S3Server s3; // started by servers
    static Storage storage;
    static Repository repository;
    static WalArchive archive;
    static WalCommandServer walCommands;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static BackupManifest first;
    static BackupManifest second;
    static final List<Point> points = new ArrayList<>();
    static String beforeV2;
    static Map<String, String> shopBeforeV2;
    static int dirs;

    @BeforeAll
    static void workload() throws Exception {
        storage = S3StorageConfig.builder("pitr").prefix("repo").endpoint(s3.endpoint()).region(s3.region())
                .pathStyle(true).credentials(s3.accessKeyId(), s3.secretAccessKey()).build().open();
        servers.closeAfterAll(storage);
        Repository.init(storage);
        repository = Repository.open(storage);
        archive = new WalArchive(storage, TARGET, Compression.ZSTD, 3);
        walCommands = servers.closeAfterAll(new WalCommandServer(archive::push, archive::fetch, WalNotFoundException.class));
        // archive_command talks to walCommands, so this cluster starts here
        pg = servers.closeAfterAll(PostgresCluster.builder()
                .setting("wal_level", "replica")
                .setting("archive_mode", "on")
                .setting("archive_command", walCommands.archiveCommand())
                .start());
        Path migrations = ShopDatabase.writeMigrations(tmp.resolve("migrations"));
        ShopDatabase.create(pg, "app", migrations, "1");
        pg.execute("app", "create table t (id int primary key, v text)");

        first = physicalBackup();
        for (int i = 1; i <= 20; i++) {
            if (i == 11) {
                second = physicalBackup();
            }
            pg.execute("app", switch (i % 4) {
                case 0 -> "update t set v = v || '+" + i + "' where id % 3 = 0";
                case 1 -> "delete from t where id % 7 = " + (i % 7);
                default -> "insert into t select g, md5(g::text || '" + i + "') from generate_series(" + (i * 100)
                        + ", " + (i * 100 + 60) + ") g";
            });
            String restorePoint = i % 3 == 0 ? "point-" + i : null;
            if (restorePoint != null) {
                pg.execute("app", "select pg_create_restore_point('" + restorePoint + "')");
            }
            String time = pg.queryForString("app", "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            String lsn = pg.queryForString("app", "select pg_current_wal_insert_lsn()");
            points.add(new Point(i, time, lsn, restorePoint, pg.queryForString("app", CHECKSUM)));
            Thread.sleep(15);
            if (i % 5 == 0) {
                pg.execute("select pg_switch_wal()");
            }
        }
        beforeV2 = pg.queryForString("app", CHECKSUM);
        shopBeforeV2 = ShopDatabase.checksums(pg, "app");
        // as in production: migrate deploy on a protected target makes the pre-migration restore point
        new Migrations(new MigrationSettings(new DatabaseTarget(TARGET, pg.jdbcUrl("app"), pg.user(), pg.password(),
                Environment.PROTECTED), List.of("filesystem:" + migrations))).deploy(DeployOptions.defaults().withAllowUnsafe(true));
        pg.execute("app", "insert into t values (99999, 'after V2')");
        awaitArchived(pg.queryForString("select pg_walfile_name(pg_switch_wal())"));
        assertThat(points.stream().map(Point::checksum).distinct().count()).isEqualTo(20);
    }

    @Test
    @Order(1)
    void restoresToFivePointsByTimeLsnAndRestorePointGiveExactlyTheRecordedChecksums() {
        check(RecoveryTarget.Time.parse(points.get(2).time()), points.get(2), first);
        check(new RecoveryTarget.Lsn(points.get(7).lsn()), points.get(7), first);
        check(new RecoveryTarget.RestorePoint(points.get(11).restorePoint()), points.get(11), first);
        check(RecoveryTarget.Time.parse(points.get(16).time()), points.get(16), second);
        check(new RecoveryTarget.Lsn(points.get(19).lsn()), points.get(19), second);
    }

    @Test
    @Order(2)
    void beforeMigrationRestoresTheDroppedColumnAndItsData() {
        Path dataDir = newDataDir();
        ReportRecorder report = recorder();
        PitrRestore.Result result = PitrRestore.run(repository, request(null, dataDir, AfterRecovery.KEEP_RUNNING)
                .withBeforeMigration("2", connection()), report);
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(server.query("app", CHECKSUM)).isEqualTo(beforeV2);
            assertThat(server.query("app", "select email from customers where id = 7")).isEqualTo("c7@example.com");
            assertThat(server.query("app", "select count(*) from customers where email is not null")).isEqualTo("500");
        }
        IncidentReport done = report.succeed();
        assertThat(done.requested().type()).isEqualTo("name");
        assertThat(done.requested().value()).startsWith("pgnest_app_before_v2_");
        assertThat(done.checks()).anySatisfy(c -> {
            assertThat(c.name()).isEqualTo("schema version before 2");
            assertThat(c.actual()).isEqualTo("1");
            assertThat(c.passed()).isTrue();
        });
    }

    @Test
    @Order(3)
    void aTargetOutsideTheArchiveIsRefusedBeforeAnythingIsTouchedNamingTheWindow() {
        Path dataDir = tmp.resolve("never-created");
        assertThatThrownBy(() -> PitrRestore.run(repository,
                request(RecoveryTarget.Time.parse("2099-01-01T00:00:00Z"), dataDir, AfterRecovery.STOP), recorder()))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("recovery target time 2099-01-01 00:00:00.000000+00:00 is outside the restorable window "
                        + "(the archived WAL after backup " + second.id() + " ends about ")
                .hasMessageContaining("; restorable: from " + first.endTime() + " (LSN " + first.physical().stopLsn() + ") to about ")
                .hasMessageEndingWith(": choose a target inside the window; nothing was changed");
        assertThatThrownBy(() -> PitrRestore.run(repository,
                request(RecoveryTarget.Time.parse("2001-01-01T00:00:00Z"), dataDir, AfterRecovery.STOP), recorder()))
                .hasMessageContaining("is outside the restorable window (it is before the oldest backup ended)");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    @Order(4)
    void deltaRewritesOnlyTheFilesThatDifferAndReachesTheNewTarget() {
        Path dataDir = newDataDir();
        check(new RecoveryTarget.Lsn(points.get(4).lsn()), points.get(4), first, dataDir, false);
        ReportRecorder report = recorder();
        PitrRestore.Result result = PitrRestore.run(repository,
                request(new RecoveryTarget.Lsn(points.get(8).lsn()), dataDir, AfterRecovery.KEEP_RUNNING).withDelta(), report);
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(server.query("app", CHECKSUM)).isEqualTo(points.get(8).checksum());
        }
        IncidentReport.Phase delta = report.succeed().phases().stream().filter(p -> p.name().equals("delta")).findFirst().orElseThrow();
        assertThat(delta.detail()).matches("\\d+ files rewritten, [1-9]\\d* unchanged, \\d+ removed");
    }

    @Test
    @Order(5)
    void planNamesTheBackupTheWalAndTheWindowAndChangesNothing() {
        Path dataDir = tmp.resolve("planned");
        RestorePlan plan = PitrRestore.plan(repository, request(RecoveryTarget.Time.parse(points.get(15).time()), dataDir,
                AfterRecovery.STOP));
        assertThat(plan.backup().id()).isEqualTo(second.id());
        assertThat(plan.wal().first()).isEqualTo(second.physical().startWal());
        assertThat(plan.wal().segments()).isPositive();
        assertThat(plan.window().fromLsn()).isEqualTo(first.physical().stopLsn());
        assertThat(plan.downloadBytes()).isGreaterThan(second.storedSize());
        assertThat(plan.text()).anyMatch(l -> l.startsWith("  restorable:   from " + first.endTime()));
        assertThat(dataDir).doesNotExist();
    }

    @Test
    @Order(6)
    void physicalDrillRecoversTheNewestBackupToTheEndOfTheArchiveChecksAndRecords() throws Exception {
        Path scratch = tmp.resolve("scratch");
        RestoreDrill.Result result = RestoreDrill.run(repository, null, new RestoreDrill.Options(TARGET, BackupKind.PHYSICAL,
                RestoreDrill.Where.SCRATCH_CLUSTER, scratch, account(), PgBinaries.in(pg.binDir()),
                List.of("select count(*) from t where id = 99999"), null, null,
                new RestoreDrill.Physical(walCommands.restoreCommand(), "app", 2, Duration.ofMinutes(2))), "pgnest test");

        IncidentReport report = result.report();
        assertThat(result.passed()).as("%s", report).isTrue();
        assertThat(report.backup().id()).isEqualTo(second.id());
        assertThat(report.reached().stopReason()).isEqualTo("end of the archived WAL");
        assertThat(report.checks()).extracting(IncidentReport.Check::name, IncidentReport.Check::actual).contains(
                org.assertj.core.groups.Tuple.tuple("schema version", "2"),
                org.assertj.core.groups.Tuple.tuple("rows in public.customers", "500"),
                org.assertj.core.groups.Tuple.tuple("select count(*) from t where id = 99999", "1"));
        try (var left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
        assertThat(repository.catalog().listing(TARGET).lastProven(dev.pgnest.repository.BackupKind.PHYSICAL))
                .hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(report.id()));
    }

    @Test
    @Order(7)
    void aFlippedByteInTheBackupStopsTheRestoreNamingTheObjectBeforePostgresStarts() throws Exception {
        BackupManifest.BackupObject biggest = first.objects().stream()
                .max(java.util.Comparator.comparingLong(BackupManifest.BackupObject::size)).orElseThrow();
        String key = RepositoryLayout.backupObjectKey(TARGET, first.id(), biggest.name());
        byte[] original = storage.getBytes(key);
        byte[] flipped = original.clone();
        flipped[flipped.length / 3] ^= 0x10;
        storage.put(key, flipped);
        Path dataDir = newDataDir();
        try {
            assertThatThrownBy(() -> PitrRestore.run(repository,
                    request(new RecoveryTarget.Lsn(points.get(3).lsn()), dataDir, AfterRecovery.STOP), recorder()))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("backup " + first.id() + " is damaged: " + storage.location(key));
            assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
            assertThat(dataDir.resolve("recovery.signal")).doesNotExist();
        } finally {
            storage.put(key, original);
        }
    }

    @Test
    @Order(8)
    void aTimelineThatBranchedOffBeforeTheBackupDoesNotDerailItsRestore() throws Exception {
        // what a restored copy of the first backup leaves when it archives into the same target:
        // timeline 2, branching off timeline 1 before the second backup started
        Path history = tmp.resolve("00000002.history");
        Files.writeString(history, "1\t" + first.physical().stopLsn() + "\tno recovery target specified\n");
        archive.push(history);
        try {
            check(RecoveryTarget.Time.parse(points.get(15).time()), points.get(15), second);
        } finally {
            archive.delete(archive.files().stream().filter(f -> f.name().equals("00000002.history")).toList());
        }
    }

    @Test
    @Order(9)
    void aBackupOfAMajorWithoutServerProgramsIsRefusedBeforeTheDataDirectoryIsTouched() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/usr/lib/postgresql/17")), "PostgreSQL 17 is installed");
        String key = RepositoryLayout.manifestKey(TARGET, second.id());
        byte[] original = storage.getBytes(key);
        String json = new String(original, java.nio.charset.StandardCharsets.UTF_8);
        String of17 = json.replaceFirst("\"versionNum\"\\s*:\\s*\\d+", "\"versionNum\":170002");
        assertThat(of17).isNotEqualTo(json);
        storage.put(key, of17.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path dataDir = newDataDir();
        try {
            assertThatThrownBy(() -> PitrRestore.run(repository, request(new RecoveryTarget.Latest(), dataDir, AfterRecovery.STOP),
                    recorder()))
                    .isInstanceOf(PgnestException.class)
                    .hasMessage("the backup is of PostgreSQL 17, but pg.bin-dir " + pg.binDir() + " holds PostgreSQL 15, "
                            + "/usr/lib/postgresql/17/bin does not exist and pg.server-bin-dirs is not set: install postgresql-17, "
                            + "or add PostgreSQL 17's bin directory to pg.server-bin-dirs (PGNEST_PG_SERVER_BIN_DIRS)");
            assertThat(dataDir).doesNotExist();
        } finally {
            storage.put(key, original);
        }
    }

    // ------------------------------------------------------------------------------------

    private static void check(RecoveryTarget target, Point point, BackupManifest expectedBackup) {
        check(target, point, expectedBackup, newDataDir(), true);
    }

    private static void check(RecoveryTarget target, Point point, BackupManifest expectedBackup, Path dataDir, boolean stopAfter) {
        ReportRecorder report = recorder();
        PitrRestore.Result result = PitrRestore.run(repository, request(target, dataDir, AfterRecovery.KEEP_RUNNING), report);
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(server.query("app", CHECKSUM)).as("point %d by %s", point.n(), target.describe()).isEqualTo(point.checksum());
        }
        assertThat(result.backup().id()).as("backup for point %d", point.n()).isEqualTo(expectedBackup.id());
        IncidentReport done = report.succeed();
        assertThat(done.reached().stopReason()).startsWith("recovery stopping");
        assertThat(done.wal().segments()).isPositive();
    }

    static PitrRestore.Request request(RecoveryTarget target, Path dataDir, AfterRecovery after) {
        Path runDir = pg.newServerDirectory("run-" + (++dirs));
        LocalServer.Options server = new LocalServer.Options(PgBinaries.in(pg.binDir()), account(), freePort(), runDir,
                "postgres", null, null);
        return new PitrRestore.Request(TARGET, target, true, RecoveryAction.PROMOTE, new BackupSelector.Latest(), null, null,
                null, dataDir, false, Map.of(), 4, walCommands.restoreCommand(), server, Archiving.OFF, after,
                Duration.ofMinutes(2));
    }

    static Path newDataDir() {
        return pg.newServerDirectory("restore-" + (++dirs)).resolve("data");
    }

    static DatabaseConnection connection() {
        return DatabaseConnection.parse(pg.jdbcUrl("app"), pg.user(), pg.password());
    }

    static ReportRecorder recorder() {
        return ReportRecorder.start(IncidentReport.Kind.pitr, TARGET, "pgnest test");
    }

    static BackupManifest physicalBackup() {
        DatabaseConnection db = DatabaseConnection.parse(pg.jdbcUrl("postgres"), pg.user(), pg.password());
        return new PhysicalBackup(db, repository, TARGET, archive, PhysicalBackup.Options.defaults()
                .withMethod(PhysicalBackup.Method.FILES).withDataDirectory(pg.dataDir()).withParallelism(2)
                .withWalTimeout(Duration.ofSeconds(60))).run().manifest();
    }

    static void awaitArchived(String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!archive.contains(segment)) {
            assertThat(System.nanoTime()).as("segment %s archived", segment).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static ServerAccount account() {
        return switch (pg.runAs()) {
            case USER_NAMESPACE -> new ServerAccount.UserNamespace();
            case POSTGRES_USER -> new ServerAccount.OsUser("postgres");
            default -> new ServerAccount.CurrentUser();
        };
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
