package dev.pgnest.backup.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.backup.verify.BackupVerifier;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.ExportedSnapshot;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryCheck;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.testing.ChildJvm;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Logical backups end to end: a real cluster, pg_dump, the in-process S3 server. */
@IntegrationTest
class LogicalBackupTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers
    private static Storage storage;
    private static Repository repository;
    private static Map<String, String> shopChecksums;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createData() {
        storage = servers.closeAfterAll(s3Config(s3.endpoint(), 6).build().open());
        Repository.init(storage);
        repository = Repository.open(storage);
        TestData.createShop(pg, "shop", 100_000);
        TestData.createTiny(pg, "tiny");
        shopChecksums = TestData.checksums(pg, "shop", TestData.SHOP_TABLES);
    }

    static S3StorageConfig.Builder s3Config(URI endpoint, int maxAttempts) {
        return S3StorageConfig.builder("backups").prefix("pgnest").endpoint(endpoint).region(s3.region())
                .pathStyle(true).credentials(s3.accessKeyId(), s3.secretAccessKey())
                .partSize(5 * S3StorageConfig.MIB).partsInFlight(3).maxAttempts(maxAttempts);
    }

    @Test
    void backupListVerifyAndPgRestoreGiveIdenticalTableChecksums() throws Exception {
        List<Long> progress = new ArrayList<>();
        BackupManifest manifest = LogicalBackup.run(repository, TestData.connection(pg, "shop"),
                LogicalBackupOptions.defaults("shop"), (dumped, stored, elapsed, dbSize) -> progress.add(dumped));

        // the manifest records what the issue asks for
        assertThat(manifest.kind()).isEqualTo(BackupKind.LOGICAL);
        assertThat(manifest.schemaVersion()).isEqualTo("10");
        assertThat(manifest.postgres().versionNum()).isBetween(150000, 159999);
        assertThat(manifest.postgres().version()).startsWith("15.");
        assertThat(manifest.logical().database()).isEqualTo("shop");
        assertThat(manifest.logical().pgDumpVersion()).startsWith("pg_dump (PostgreSQL) 15.");
        assertThat(manifest.logical().databaseSize()).isPositive();
        assertThat(manifest.compression()).isEqualTo(Compression.ZSTD);
        assertThat(manifest.objects()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("dump.pgdump.zst");
            assertThat(o.rawSize()).isGreaterThan(20L << 20);
            assertThat(o.size()).isLessThan(o.rawSize()).isGreaterThan(10L << 20); // several 5 MiB parts
            assertThat(o.sha256()).hasSize(64);
        });
        assertThat(manifest.endTime()).isAfter(manifest.startTime());
        assertThat(progress).isNotEmpty().last().isEqualTo(manifest.rawSize());

        // list
        List<Catalog.Entry> listed = repository.catalog().backups("shop");
        assertThat(listed).extracting(Catalog.Entry::id).containsExactly(manifest.id());
        assertThat(listed.get(0).manifest()).isEqualTo(manifest);

        // verify, deep
        VerifyResult verified = new BackupVerifier(repository, pg.binDir()).verify("shop", manifest.id(), true);
        assertThat(verified.problems()).isEmpty();
        assertThat(verified.ok()).isTrue();
        assertThat(verified.bytesRead()).isEqualTo(manifest.storedSize());
        assertThat(repository.catalog().get("shop", manifest.id()).verifiedOk()).isTrue();

        // restore into a new database: every table identical
        TestData.restore(pg, storage, manifest, "shop_restored");
        assertThat(TestData.checksums(pg, "shop_restored", TestData.SHOP_TABLES)).isEqualTo(shopChecksums);
        assertThat(storage.listIncomplete("")).isEmpty();
    }

    @Test
    void gzipAndUncompressedBackupsToAFilesystemRepositoryRestoreToo() throws Exception {
        try (Storage fs = new FsStorageConfig(tmp.resolve("repo")).open()) {
            Repository.init(fs);
            Repository fsRepository = Repository.open(fs);
            Map<String, String> expected = TestData.checksums(pg, "tiny", List.of("t"));
            for (Compression c : List.of(Compression.GZIP, Compression.NONE)) {
                BackupManifest m = LogicalBackup.run(fsRepository, TestData.connection(pg, "tiny"),
                        LogicalBackupOptions.defaults("tiny").withCompression(c, c == Compression.GZIP ? 9 : 0),
                        BackupProgress.NONE);
                assertThat(m.objects().get(0).name()).isEqualTo("dump.pgdump" + c.extension());
                assertThat(m.schemaVersion()).isNull();
                assertThat(new BackupVerifier(fsRepository, pg.binDir()).verify("tiny", m.id(), true).ok()).isTrue();
                TestData.restore(pg, fs, m, "tiny_" + c.id());
                assertThat(TestData.checksums(pg, "tiny_" + c.id(), List.of("t"))).isEqualTo(expected);
                Thread.sleep(1000); // distinct ids without relying on the collision bump
            }
            assertThat(fsRepository.catalog().backups("tiny")).hasSize(2);
        }
    }

    @Test
    void passwordReachesPgDumpAndPsqlThroughTheirEnvironmentNeverTheirArguments() throws Exception {
        Path record = tmp.resolve("record");
        Path bin = TestData.fakeBinDir(tmp.resolve("bin"), pg, "echo \"$@\" >> " + record + "\n"
                + "echo \"PGPASSWORD=$PGPASSWORD\" >> " + record + "\n"
                + "echo \"stdout buffer=$_STDBUF_O\" >> " + record + "\n"
                + "exec REAL \"$@\"\n");
        TestData.fakePsql(bin, pg, "echo \"psql $@\" >> " + record + "\necho \"psql PGPASSWORD=$PGPASSWORD\" >> " + record
                + "\nexec REAL \"$@\"\n");
        BackupManifest m = LogicalBackup.run(repository, TestData.connection(pg, "tiny"),
                LogicalBackupOptions.defaults("secrets").withPgBinDir(bin), BackupProgress.NONE);
        List<String> lines = Files.readAllLines(record);
        assertThat(lines).contains("--version");
        String dumpArgs = lines.stream().filter(l -> l.startsWith("--format=custom")).findFirst().orElseThrow();
        assertThat(dumpArgs).contains("--compress=0", "--no-password", "--snapshot=").doesNotContain(pg.password());
        assertThat(lines).contains("PGPASSWORD=" + pg.password(), "psql PGPASSWORD=" + pg.password());
        assertThat(lines.stream().filter(l -> l.startsWith("psql -"))).singleElement().asString().doesNotContain(pg.password());
        // pg_dump's stdout gets a 1 MiB buffer from coreutils' stdbuf (every Debian has it)
        assertThat(lines).contains("stdout buffer=1048576");
        assertThat(new String(storage.getBytes(RepositoryLayout.manifestKey("secrets", m.id())), StandardCharsets.UTF_8))
                .doesNotContain(pg.password());
    }

    @Test
    void pgDumpAndTheManifestSeeTheExportedSnapshotNotAMigrationCommittedJustAfter() throws Exception {
        createWithFlywayVersion("moving", "1");
        Path bin = TestData.fakeBinDir(tmp.resolve("bin"), pg, "exec REAL \"$@\"\n");
        // psql hands the snapshot over only once a migration has committed after its export:
        // what reads the schema version sees it unless it reads in the exported snapshot
        TestData.fakePsql(bin, pg, "REAL \"$@\" | { IFS= read -r line; REAL -X -q -v ON_ERROR_STOP=1 -c "
                + "\"insert into flyway_schema_history values (2, '2', 'moved', 'SQL', 'V2__moved.sql', 2, 'app', now(), 5, true)\""
                + " < /dev/null || exit 9; printf '%s\\n' \"$line\"; cat; }\n");
        BackupManifest m = LogicalBackup.run(repository, TestData.connection(pg, "moving"),
                LogicalBackupOptions.defaults("moving").withPgBinDir(bin), BackupProgress.NONE);

        assertThat(pg.queryForString("moving", "select max(version) from flyway_schema_history")).isEqualTo("2");
        assertThat(m.schemaVersion()).isEqualTo("1");
        assertThat(m.logical().databaseSize()).isPositive();
        TestData.restore(pg, storage, m, "moving_restored");
        assertThat(pg.queryForString("moving_restored", "select string_agg(version, ',' order by installed_rank) from flyway_schema_history"))
                .isEqualTo("1");
    }

    @Test
    void withoutPsqlTheConnectionExportsTheSnapshotAndTheBackupIsTheSame() throws Exception {
        createWithFlywayVersion("no_psql", "3");
        Map<String, String> expected = TestData.checksums(pg, "no_psql", List.of("t", "flyway_schema_history"));
        Path record = tmp.resolve("record");
        Path bin = TestData.fakeBinDirWithoutPsql(tmp.resolve("bin"), pg, "echo \"$@\" >> " + record + "\nexec REAL \"$@\"\n");
        BackupManifest m = LogicalBackup.run(repository, TestData.connection(pg, "no_psql"),
                LogicalBackupOptions.defaults("no_psql").withPgBinDir(bin), BackupProgress.NONE);

        assertThat(Files.readAllLines(record)).filteredOn(l -> l.startsWith("--format=custom")).singleElement().asString()
                .contains("--snapshot=");
        assertThat(m.schemaVersion()).isEqualTo("3");
        assertThat(m.postgres().version()).startsWith("15.");
        TestData.restore(pg, storage, m, "no_psql_restored");
        assertThat(TestData.checksums(pg, "no_psql_restored", List.of("t", "flyway_schema_history"))).isEqualTo(expected);
    }

    @Test
    void whenTheFactsCannotBeReadAlongsidePgDumpTheBackupFailsAndStoresNothing() throws Exception {
        TestData.createTiny(pg, "facts_fail");
        // a driver-only parameter: psql exports the snapshot and pg_dump starts, pgnest's own
        // connection then fails
        DatabaseConnection broken = DatabaseConnection.parse(pg.jdbcUrl("facts_fail") + "?socketFactory=dev.pgnest.NoSuchFactory",
                pg.user(), pg.password());
        assertThatThrownBy(() -> LogicalBackup.run(repository, broken,
                LogicalBackupOptions.defaults("facts_fail").withPgBinDir(pg.binDir()), BackupProgress.NONE))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("cannot connect to postgres@127.0.0.1:" + pg.port() + "/facts_fail: ")
                .satisfies(e -> assertThat(((PgnestException) e).kind()).isEqualTo(ErrorKind.DATABASE));
        assertThat(storage.list("facts_fail/")).isEmpty();
        assertThat(storage.listIncomplete("facts_fail/")).isEmpty();
        assertThat(repository.catalog().backups("facts_fail")).isEmpty();
        // neither psql's session nor pg_dump's outlives the failure
        String sessions = "select count(*) from pg_stat_activity where datname = 'facts_fail'";
        for (int i = 0; i < 50 && !pg.queryForString("postgres", sessions).equals("0"); i++) {
            Thread.sleep(100);
        }
        assertThat(pg.queryForString("postgres", sessions)).isEqualTo("0");
    }

    @Test
    void anExportedSnapshotIsWhatItsImportersSeeUntilItIsClosed() throws Exception {
        TestData.createTiny(pg, "held");
        Map<String, String> env = new java.util.HashMap<>(pg.libpqEnvironment());
        env.put("PGDATABASE", "held");
        env.put("PGAPPNAME", "snapshot-holder");
        ExportedSnapshot snapshot = ExportedSnapshot.export(pg.binDir().resolve("psql"), env).orElseThrow();
        assertThat(snapshot.serverVersionNum()).isBetween(150000, 159999);
        assertThat(snapshot.serverVersion()).startsWith("15.");
        pg.execute("held", "insert into t values (1001, 'after the export')");

        try (Connection c = Databases.connect(TestData.connection(pg, "held"), "importer")) {
            snapshot.importInto(c);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from t")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1000);
            }
            c.rollback();
            snapshot.close();
            // the exporting transaction has ended: the snapshot is gone, and so is psql's session
            assertThatThrownBy(() -> snapshot.importInto(c)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("snapshot");
            c.rollback();
        }
        assertThat(pg.queryForString("held", "select count(*) from pg_stat_activity where application_name = 'snapshot-holder'"))
                .isEqualTo("0");
    }

    @Test
    void aSnapshotPsqlCannotExportIsNoneAndNoError() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(pg.libpqEnvironment());
        env.put("PGPASSWORD", "not-the-password");
        assertThat(ExportedSnapshot.export(pg.binDir().resolve("psql"), env)).isEmpty();
        assertThat(ExportedSnapshot.export(tmp.resolve("no-such-psql"), pg.libpqEnvironment())).isEmpty();
    }

    private static void createWithFlywayVersion(String db, String version) {
        TestData.createTiny(pg, db);
        pg.execute(db, """
                create table flyway_schema_history (installed_rank int primary key, version varchar(50),
                    description varchar(200) not null, type varchar(20) not null, script varchar(1000) not null,
                    checksum int, installed_by varchar(100) not null, installed_on timestamp not null default now(),
                    execution_time int not null, success boolean not null);
                insert into flyway_schema_history values (1, '%s', 'init', 'SQL', 'V%s__init.sql', 1, 'app', '2024-01-01', 5, true);
                """.formatted(version, version));
    }

    @Test
    void aFailingPgDumpIsReportedWithItsStderrAndStoresNothing() throws Exception {
        Path bin = TestData.fakeBinDir(tmp.resolve("bin"), pg, """
                if [ "$1" = "--version" ]; then exec REAL --version; fi
                head -c 7000000 /dev/urandom
                echo "pg_dump: error: query failed: ERROR:  permission denied for table secret_stuff" >&2
                exit 1
                """);
        assertThatThrownBy(() -> LogicalBackup.run(repository, TestData.connection(pg, "tiny"),
                LogicalBackupOptions.defaults("failing").withPgBinDir(bin), BackupProgress.NONE))
                .isInstanceOf(PgnestException.class)
                .hasMessage("pg_dump of postgres@127.0.0.1:" + pg.port() + "/tiny failed (exit 1): pg_dump: error: "
                        + "query failed: ERROR:  permission denied for table secret_stuff: "
                        + "fix what pg_dump reports and retry; nothing was stored")
                .satisfies(e -> assertThat(((PgnestException) e).kind()).isEqualTo(ErrorKind.TOOL));
        assertThat(storage.list("failing/")).isEmpty();
        assertThat(storage.listIncomplete("failing/")).isEmpty();
        assertThat(repository.catalog().backups("failing")).isEmpty();
    }

    @Test
    void aBackupKilledHalfwayIsRemovedByTheNextBackupAndByRepoCheck() throws Exception {
        Path slowBin = TestData.fakeBinDir(tmp.resolve("slow"), pg, """
                if [ "$1" = "--version" ]; then exec REAL --version; fi
                head -c 60000000 /dev/urandom
                exec sleep 300
                """);
        // killed, then the next backup of the target cleans up before it starts
        String first = killBackupHalfway("killed", slowBin);
        assertThat(repository.catalog().backups("killed")).isEmpty();
        BackupManifest next = LogicalBackup.run(repository, TestData.connection(pg, "tiny"),
                LogicalBackupOptions.defaults("killed"), BackupProgress.NONE);
        assertThat(storage.listPrefixes(RepositoryLayout.backupsPrefix("killed")))
                .containsExactly(RepositoryLayout.backupPrefix("killed", next.id()));
        assertThat(storage.listIncomplete("killed/")).isEmpty();
        assertThat(repository.catalog().backups("killed")).extracting(Catalog.Entry::id).containsExactly(next.id());
        assertThat(first).isNotEqualTo(next.id());

        // killed again; this time repo check cleans up
        String second = killBackupHalfway("killed", slowBin);
        RepositoryCheck.Report report = RepositoryCheck.run(repository, null, false);
        assertThat(report.findings()).filteredOn(f -> second.equals(f.backupId())).singleElement()
                .satisfies(f -> {
                    assertThat(f.kind()).isEqualTo(RepositoryCheck.FindingKind.INCOMPLETE_BACKUP);
                    assertThat(f.removed()).isTrue();
                    assertThat(f.detail()).contains("is gone").contains("unfinished upload");
                });
        assertThat(report.outstanding()).isEmpty();
        assertThat(storage.listIncomplete("")).isEmpty();
        assertThat(storage.listPrefixes(RepositoryLayout.backupsPrefix("killed")))
                .containsExactly(RepositoryLayout.backupPrefix("killed", next.id()));
        assertThat(repository.catalog().backups("killed")).extracting(Catalog.Entry::id).containsExactly(next.id());
    }

    /** Runs a backup in another JVM, waits until its multipart upload is under way, kills -9 it and its pg_dump. */
    private String killBackupHalfway(String target, Path bin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of(), BackupInChildProcess.class.getName()));
        Map<String, String> env = pb.environment();
        env.put("T_BUCKET", "backups");
        env.put("T_PREFIX", "pgnest");
        env.put("T_ENDPOINT", s3.endpoint().toString());
        env.put("T_ACCESS_KEY", s3.accessKeyId());
        env.put("T_SECRET_KEY", s3.secretAccessKey());
        env.put("T_JDBC_URL", pg.jdbcUrl("tiny"));
        env.put("T_USER", pg.user());
        env.put("T_PASSWORD", pg.password());
        env.put("T_TARGET", target);
        env.put("T_BIN_DIR", bin.toString());
        Path log = tmp.resolve("child-" + System.nanoTime() + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (storage.listIncomplete(target + "/").isEmpty()) {
                assertThat(child.isAlive()).as("backup child ended early: " + Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("no multipart upload started").isLessThan(deadline);
                Thread.sleep(100);
            }
            Thread.sleep(500); // let a part land
        } finally {
            List<ProcessHandle> descendants = child.descendants().toList();
            child.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            child.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> dirs = storage.listPrefixes(RepositoryLayout.backupsPrefix(target));
        String killed = dirs.stream().map(d -> d.substring(d.length() - 17, d.length() - 1))
                .filter(id -> repository.catalog().find(target, id).isEmpty()).findFirst().orElseThrow();
        assertThat(storage.stat(RepositoryLayout.inProgressKey(target, killed))).isPresent();
        assertThat(storage.listIncomplete(RepositoryLayout.backupPrefix(target, killed))).isNotEmpty();
        return killed;
    }

    @Test
    void withTenPercentOfS3RequestsFailingABackupIsCorrectOrFailsClearlyNeverHalfCommitted() throws Exception {
        AtomicInteger committed = new AtomicInteger();
        try (FaultyProxy proxy = FaultyProxy.inFrontOf(s3.endpoint(), 7).spreadEvenly(0.10, 0.3);
             Storage flaky = s3Config(proxy.endpoint(), 6).build().open()) {
            Repository flakyRepository = Repository.open(flaky);
            for (int run = 0; run < 2; run++) {
                attempt(flakyRepository, committed, "faults");
                Thread.sleep(1000);
            }
            assertThat(proxy.injectedTotal()).as("faults injected").isEqualTo(proxy.requests() / 10);
            assertThat(proxy.injectedTotal()).isGreaterThanOrEqualTo(2);
            assertThat(committed.get()).as("with 6 attempts per request, 10% faults are absorbed").isEqualTo(2);

            // a harsher server: 30% faults and no retries; whatever happens, no broken backup appears
            proxy.spreadEvenly(0.30, 0.3);
            Storage harsh = s3Config(proxy.endpoint(), 1).build().open();
            try (harsh) {
                attempt(Repository.open(harsh), committed, "faults");
            } catch (PgnestException e) {
                // the repository itself could not be opened through the broken server: also clear
                assertThat(e.getMessage()).contains("s3://backups/pgnest/");
            }
        }
        // every backup the catalog shows is complete and restores
        List<Catalog.Entry> backups = repository.catalog().backups("faults");
        assertThat(backups).hasSize(committed.get());
        for (Catalog.Entry b : backups) {
            assertThat(new BackupVerifier(repository, pg.binDir()).verify("faults", b.id(), true).problems()).isEmpty();
        }
        TestData.restore(pg, storage, backups.get(0).manifest(), "shop_after_faults");
        assertThat(TestData.checksums(pg, "shop_after_faults", TestData.SHOP_TABLES)).isEqualTo(shopChecksums);

        // what a failed attempt left behind (its cleanup also went through the faulty proxy) goes with repo check
        Repository later = repository.withTimings(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)),
                Duration.ofMinutes(1), Duration.ofMinutes(15));
        assertThat(RepositoryCheck.run(later, "faults", false).outstanding()).isEmpty();
        assertThat(storage.listIncomplete("faults/")).isEmpty();
        assertThat(storage.listPrefixes(RepositoryLayout.backupsPrefix("faults"))).hasSize(committed.get());
    }

    private void attempt(Repository target, AtomicInteger committed, String name) {
        try {
            LogicalBackup.run(target, TestData.connection(pg, "shop"), LogicalBackupOptions.defaults(name),
                    BackupProgress.NONE);
            committed.incrementAndGet();
        } catch (PgnestException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.STORAGE);
            assertThat(e.getMessage()).contains("s3://backups/pgnest/").contains("S3 answered HTTP 50");
        }
    }
}
