package dev.pgnest.cli.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.testing.WalCommandServer;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code pgnest restore pitr} in-process, as an operator runs it (as root here: the restored
 * server runs as the postgres OS user). restore_command goes through {@code restore.launcher},
 * a script that asks this JVM's {@link WalArchive} for the file, the code {@code pgnest wal
 * fetch} runs.
 */
@IntegrationTest
class RestorePitrCommandTest {
    @RegisterExtension
    static final Servers servers = Servers.none();

    static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from t";

    static Path dir;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static Storage storage;
    static WalArchive archive;
    static WalCommandServer fetchServer;
    static BackupManifest backup;
    static String lsn;
    static String atLsn;

    @BeforeAll
    static void backupAndWorkload() throws Exception {
        dir = servers.deleteAfterAll(Files.createTempDirectory(Path.of("/tmp"), "pgnest-pitr-cli-"));
        // the restored server runs as another OS user, which must reach the data directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        storage = servers.closeAfterAll(new FsStorageConfig(dir.resolve("repo")).open());
        Repository.init(storage);
        archive = new WalArchive(storage, "default", Compression.ZSTD, 3);
        fetchServer = servers.closeAfterAll(new WalCommandServer(archive::push, archive::fetch, WalNotFoundException.class));
        // archive_command talks to fetchServer, so this cluster starts here
        pg = servers.closeAfterAll(PostgresCluster.builder().setting("wal_level", "replica").setting("archive_mode", "on")
                .setting("archive_command", fetchServer.archiveCommand())
                .start());
        pg.execute("create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 500) g");
        backup = new PhysicalBackup(DatabaseConnection.parse(pg.jdbcUrl(), pg.user(), pg.password()), Repository.open(storage),
                "default", archive, PhysicalBackup.Options.defaults().withMethod(PhysicalBackup.Method.FILES)
                .withDataDirectory(pg.dataDir()).withWalTimeout(Duration.ofSeconds(60))).run().manifest();
        pg.execute("update t set v = 'changed' where id <= 100");
        lsn = pg.queryForString("select pg_current_wal_insert_lsn()");
        atLsn = pg.queryForString(CHECKSUM);
        pg.execute("delete from t where id > 400");
        String last = pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!archive.contains(last) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        Path launcher = dir.resolve("pgnest-launcher");
        fetchServer.writeFetchLauncher(launcher);
    }

    @Test
    void pitrToAnLsnRestoresTheBackupReplaysAndReportsWhatItReached() throws Exception {
        Path dataDir = dir.resolve("restored");
        int port = PitrEnvironment.freePort();
        CliRun plan = pgnest("restore", "plan", "pitr", "--to-lsn", lsn, "--data-dir", dataDir.toString(), "--port", "" + port);
        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("  backup:       " + backup.id(), "  restorable:   from ");
        assertThat(dataDir).doesNotExist();
        Path planPicture = dir.resolve("reports").resolve("plan-default-" + backup.id() + ".svg");
        assertThat(plan.out()).contains("  picture:      " + planPicture);
        assertThat(Files.readString(planPicture)).startsWith("<svg").contains("class=\"backup full chosen\" data-id=\""
                + backup.id() + "\"");

        CliRun run = pgnest("restore", "pitr", "--to-lsn", lsn, "--data-dir", dataDir.toString(), "--port", "" + port,
                "--no-archive");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).startsWith("restored backup " + backup.id() + " into " + dataDir + " and recovered to lsn " + lsn)
                .contains("  stopped:  recovery stopping after WAL location (LSN) \"" + lsn + "\"",
                        "  server:   stopped; start it the usual way",
                        // the run directory honours TMPDIR, and keeps the server log it points to
                        "  log:      " + dir.resolve(PitrArguments.RUN_DIR_PREFIX));
        // the incident report links the same picture, saved beside it
        try (var reports = Files.list(dir.resolve("reports"))) {
            Path md = reports.filter(f -> f.getFileName().toString().matches("pitr-.*\\.md")).findFirst().orElseThrow();
            String svg = md.getFileName().toString().replace(".md", ".svg");
            assertThat(Files.readString(md)).contains("](" + svg + ")");
            assertThat(Files.readString(md.resolveSibling(svg))).startsWith("<svg").contains("data-id=\"" + backup.id() + "\"");
        }
        assertThat(Files.getOwner(dataDir).getName()).isEqualTo(dev.pgnest.postgres.server.ServerAccount.isRoot() ? "postgres"
                : System.getProperty("user.name"));

        try (PostgresCluster restored = PostgresCluster.startExisting(dataDir, pg.password())) {
            assertThat(restored.queryForString(CHECKSUM)).isEqualTo(atLsn);
        }
    }

    @Test
    void aTargetOutsideTheWindowExitsTwoNamingTheWindowAndCreatesNothing() {
        Path dataDir = dir.resolve("never");
        CliRun run = pgnest("restore", "pitr", "--to-time", "2099-01-01T00:00:00Z", "--data-dir", dataDir.toString(),
                "--port", "" + PitrEnvironment.freePort());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: recovery target time 2099-01-01 00:00:00.000000+00:00 is outside the restorable window")
                .contains("restorable: from " + backup.endTime());
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void aTargetIsRequired() {
        CliRun run = pgnest("restore", "pitr", "--data-dir", dir.resolve("x").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required argument");
    }

    private static CliRun pgnest(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", dir.resolve("repo").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
        env.put("PGNEST_RESTORE_LAUNCHER", dir.resolve("pgnest-launcher").toString());
        env.put("PGNEST_RESTORE_TIMEOUT", "2m");
        // run directories (socket, kept server log) go where the rest of this test's files are, and go with them
        env.put("TMPDIR", dir.toString());
        return CliRun.run(env, dir, args);
    }
}
