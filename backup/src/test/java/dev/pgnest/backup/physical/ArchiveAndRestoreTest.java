package dev.pgnest.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalCommandFixture;
import dev.pgnest.wal.WalCoverage;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * archive_command and restore_command run the launcher's fast paths, falling back to
 * {@link WalCommandFixture} (a JVM per file, the module API the CLI calls), against a real S3
 * API. Backups are restored by hand (files, recovery.signal, restore_command) and must replay
 * to the end of the archived WAL with data equal to the original.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class ArchiveAndRestoreTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("repo");

    static final String TARGET = "main";
    static final long SEGMENT = WalSegment.DEFAULT_SIZE;

    @TempDir
    static Path tmp;
    static S3Server s3; // started by servers
    static Storage storage;
    static Repository repository;
    static WalArchive archive;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static DatabaseConnection db;
    static String fixture;
    static Path launcher;
    static Path fallbackLog;

    @BeforeAll
    static void start() throws IOException {
        Properties config = new Properties();
        config.setProperty("repo.type", "s3");
        config.setProperty("s3.endpoint", s3.endpoint().toString());
        config.setProperty("s3.bucket", "repo");
        config.setProperty("s3.prefix", "pgnest");
        config.setProperty("s3.accessKeyId", s3.accessKeyId());
        config.setProperty("s3.secretAccessKey", s3.secretAccessKey());
        config.setProperty("target", TARGET);
        config.setProperty("prefetch", "8");
        config.setProperty("prefetch.idle-seconds", "3");
        fixture = WalCommandFixture.command(tmp, config);
        fallbackLog = tmp.resolve("fallbacks.log");
        Files.createFile(fallbackLog);
        launcher = FastPathLauncher.write(tmp, fixture, tmp.resolve("spool"), fallbackLog);
        storage = servers.closeAfterAll(fixtureStorage(config));
        Repository.init(storage);
        repository = Repository.open(storage);
        archive = new WalArchive(storage, TARGET, Compression.ZSTD, 3);
        pg = servers.closeAfterAll(PostgresCluster.builder()
                .setting("wal_level", "replica")
                .setting("archive_mode", "on")
                .setting("archive_command", launcher + " wal push %p")
                .start());
        db = new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(), pg.password(), Map.of());
        pg.execute("CREATE TABLE t (id serial PRIMARY KEY, payload text NOT NULL)");
    }

    static Storage fixtureStorage(Properties config) {
        return dev.pgnest.storage.s3.S3StorageConfig.builder("repo").prefix("pgnest").endpoint(s3.endpoint())
                .region("us-east-1").pathStyle(true).credentials(config.getProperty("s3.accessKeyId"),
                        config.getProperty("s3.secretAccessKey")).build().open();
    }

    @Test
    @Order(1)
    void everySegmentOfAWriteLoadIsArchivedWithoutGap() {
        String first = pg.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
        String last = writeLoad(6);
        awaitArchived(last);
        WalArchive.Contents contents = archive.contents();
        List<WalCoverage.Range> missing = WalCoverage.missing(contents.segments(), WalSegment.parse(first, SEGMENT),
                WalSegment.parse(last, SEGMENT).number(), dev.pgnest.wal.TimelineHistory.first(), SEGMENT);
        assertThat(missing).isEmpty();
        assertThat(contents.segments()).contains(WalSegment.parse(first, SEGMENT), WalSegment.parse(last, SEGMENT));
        assertThat(WalCoverage.gapsWithinTimelines(contents.segments())).isEmpty();
        assertThat(archive.info().orElseThrow().systemIdentifier())
                .isEqualTo(pg.queryForString("SELECT system_identifier::text FROM pg_control_system()"));
        assertThat(pg.queryForString("SELECT failed_count FROM pg_stat_archiver")).isEqualTo("0");
    }

    @Test
    @Order(2)
    void pushOfArchivedSegmentWithSameContentSucceedsWithoutUpload() throws IOException {
        String name = lastArchivedSegment();
        Path copy = fetchToFile(name);
        String key = RepositoryLayout.walKey(TARGET, name, Compression.ZSTD);
        var before = storage.stat(key).orElseThrow();

        WalArchive.PushResult again = archive.push(copy);

        assertThat(again.outcome()).isEqualTo(WalArchive.PushOutcome.ALREADY_ARCHIVED);
        assertThat(storage.stat(key).orElseThrow()).isEqualTo(before);
    }

    @Test
    @Order(3)
    void pushOfExistingSegmentWithDifferentContentFailsAndKeepsOriginal() throws IOException {
        String name = lastArchivedSegment();
        Path changed = fetchToFile(name);
        byte[] bytes = Files.readAllBytes(changed);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(changed, bytes);
        String key = RepositoryLayout.walKey(TARGET, name, Compression.ZSTD);
        byte[] storedBefore = storage.getBytes(key);

        assertThatThrownBy(() -> archive.push(changed))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("is already archived at")
                .hasMessageContaining("with different content (first difference at byte " + bytes.length / 2 + ")")
                .hasMessageContaining("refusing to overwrite it")
                .satisfies(e -> assertThat(((PgnestException) e).kind()).isEqualTo(ErrorKind.INTEGRITY));
        assertThat(storage.getBytes(key)).isEqualTo(storedBefore);

        // and through the archive_command path: a non-zero exit, the object untouched
        assertThat(runFixture("push", changed.toString())).isEqualTo(1);
        assertThat(storage.getBytes(key)).isEqualTo(storedBefore);
    }

    @Test
    @Order(4)
    void segmentOfAnotherClusterIsRefused() throws IOException {
        Path other = fetchToFile(lastArchivedSegment());
        byte[] bytes = Files.readAllBytes(other);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 42L); // xlp_sysid
        Path renamed = other.resolveSibling("000000010000000000000099");
        Files.createDirectories(renamed.getParent());
        // give it the page address its new name says, so only the cluster differs
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(8, WalSegment.parse(renamed.getFileName().toString(), SEGMENT).startLsn(SEGMENT).value());
        Files.write(renamed, bytes);

        assertThatThrownBy(() -> archive.push(renamed)).isInstanceOf(PgnestException.class)
                .hasMessageContaining("comes from cluster 42 but the archive of target main belongs to cluster");
        assertThat(archive.contains("000000010000000000000099")).isFalse();
    }

    @Test
    @Order(5)
    void fetchOfMissingSegmentExitsNonZeroAndWritesNothing() throws Exception {
        Path dest = tmp.resolve("fetched-missing");
        assertThat(runFixture("fetch", "0000000100000000000000FE", dest.toString())).isEqualTo(1);
        assertThat(dest).doesNotExist();
        assertThatThrownBy(() -> archive.fetch("00000005.history", dest)).isInstanceOf(dev.pgnest.wal.WalNotFoundException.class)
                .hasMessageStartingWith("00000005.history is not in the WAL archive at");
    }

    @Test
    @Order(6)
    void backupFromLocalFilesRestoresByHandAndReplaysToTheEndOfTheArchive() throws Exception {
        restoreByHand(PhysicalBackup.Method.FILES);
    }

    @Test
    @Order(7)
    void backupFromPgBasebackupStreamRestoresByHandAndReplaysToTheEndOfTheArchive() throws Exception {
        restoreByHand(PhysicalBackup.Method.PG_BASEBACKUP);
    }

    @Test
    @Order(8)
    void walExpiryKeepsEverythingFromTheOldestBackupOn() {
        List<BackupManifest> backups = repository.catalog().backups(TARGET).stream().map(e -> e.manifest()).toList();
        String oldestStart = backups.get(0).physical().startWal();
        long before = archive.contents().segments().stream().filter(s -> s.number() < WalSegment.parse(oldestStart, SEGMENT).number()).count();
        assertThat(before).isPositive();

        dev.pgnest.wal.WalRetention.Outcome dry = dev.pgnest.wal.WalRetention.expire(repository, archive, true);
        assertThat(dry.keepFrom()).contains(oldestStart);
        assertThat(dry.removed()).isGreaterThanOrEqualTo((int) before);
        assertThat(archive.contents().segments()).anyMatch(s -> s.number() < WalSegment.parse(oldestStart, SEGMENT).number());

        dev.pgnest.wal.WalRetention.Outcome real = dev.pgnest.wal.WalRetention.expire(repository, archive, false);
        assertThat(real.removed()).isEqualTo(dry.removed());
        WalArchive.Contents after = archive.contents();
        assertThat(after.segments().stream().mapToLong(WalSegment::number).min().orElseThrow())
                .isEqualTo(WalSegment.parse(oldestStart, SEGMENT).number());
        var report = dev.pgnest.wal.WalCheck.run(archive, dev.pgnest.wal.WalCheck.BackupRef.physical(backups));
        assertThat(report.healthy()).isTrue();
        assertThat(report.backups()).allMatch(dev.pgnest.wal.WalCheck.BackupWindow::restorable);
    }

    private void restoreByHand(PhysicalBackup.Method method) throws Exception {
        // archiving through the service's endpoint here (the direct path is the first test's)
        try (var service = dev.pgnest.wal.push.WalPushService.start(archive, dev.pgnest.wal.WalSpool.at(tmp.resolve("spool")), 0, 4)) {
            restoreByHandWhileArchiving(method);
        }
    }

    private void restoreByHandWhileArchiving(PhysicalBackup.Method method) throws Exception {
        pg.execute("CREATE TABLE IF NOT EXISTS during (id int)");
        PhysicalBackup.Result result = new PhysicalBackup(db, repository, TARGET, archive,
                PhysicalBackup.Options.defaults().withMethod(method).withParallelism(2)).run();
        BackupManifest manifest = result.manifest();
        assertThat(result.method()).isEqualTo(method);
        assertThat(manifest.physical().startWal()).matches("[0-9A-F]{24}");
        assertThat(archive.contains(manifest.physical().stopWal())).isTrue();
        assertThat(repository.catalog().backups(TARGET)).extracting(e -> e.id()).contains(manifest.id());

        // changes after the backup, to be found again by replay
        pg.execute("INSERT INTO during SELECT g FROM generate_series(1, 500) g");
        String last = writeLoad(method == PhysicalBackup.Method.FILES ? 8 : 2);
        awaitArchived(last);
        String expected = checksum(pg);
        String expectedDuring = pg.queryForString("SELECT count(*) FROM during");

        Path dataDir = tmp.resolve("restore-" + method);
        PhysicalRestore.Result restored = new PhysicalRestore(repository, manifest).restoreTo(dataDir, Map.of(), 2);
        assertThat(restored.files()).isEqualTo(result.files());
        assertThat(dataDir.resolve("backup_label")).content().contains("START WAL LOCATION: " + manifest.physical().startLsn());
        assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
        assertThat(dataDir.resolve("global/pg_control")).isRegularFile();
        assertThat(dataDir.resolve("global/pg_control.pgnest-partial")).doesNotExist();
        try (var walFiles = Files.walk(dataDir.resolve("pg_wal"))) {
            assertThat(walFiles.filter(Files::isRegularFile)).isEmpty();
        }
        assertThat(dataDir.resolve("pg_wal/archive_status")).isDirectory();
        Files.createFile(dataDir.resolve("recovery.signal"));

        try (PostgresCluster restoredPg = PostgresCluster.builder().existingDataDir(dataDir).password(pg.password())
                .setting("archive_mode", "off")
                .setting("restore_command", launcher + " wal fetch %f %p")
                .start()) {
            awaitPromoted(restoredPg);
            // prefetched segments were moved into place by the launcher, without a JVM
            long restoredSegments = Files.readAllLines(restoredPg.logFile()).stream()
                    .filter(l -> l.matches(".*restored log file \"[0-9A-F]{24}\" from archive.*")).count();
            List<String> slow = Files.readAllLines(fallbackLog);
            Files.writeString(fallbackLog, "");
            long slowRestores = slow.stream().filter(l -> l.matches("wal fetch [0-9A-F]{24} .*"))
                    .map(l -> l.split(" ")[2]).distinct().filter(archive::contains).count();
            if (method == PhysicalBackup.Method.FILES) {
                assertThat(restoredSegments).isGreaterThanOrEqualTo(8);
                assertThat(restoredSegments - slowRestores).as("segments moved from the spool; JVM fetches: %s", slow)
                        .isGreaterThanOrEqualTo(restoredSegments / 2);
            }
            assertThat(checksum(restoredPg)).isEqualTo(expected);
            assertThat(restoredPg.queryForString("SELECT count(*) FROM during")).isEqualTo(expectedDuring);
            // replay went past the last archived segment's start: everything archived was applied
            String replayedTo = restoredPg.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            assertThat(WalSegment.parse(replayedTo, SEGMENT).number()).isGreaterThanOrEqualTo(WalSegment.parse(last, SEGMENT).number());
        }
    }

    // ------------------------------------------------------------------------------ helpers

    /** Inserts and switches segments; returns the name of the last segment switched away from. */
    static String writeLoad(int segments) {
        String last = null;
        for (int i = 0; i < segments; i++) {
            pg.execute("INSERT INTO t (payload) SELECT md5(g::text) || repeat('x', 200) FROM generate_series(1, 3000) g");
            last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        }
        return last;
    }

    static void awaitArchived(String segment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!archive.contains(segment)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("segment " + segment + " was not archived in 90 s; archiver: "
                        + pg.queryForRows("postgres", "SELECT * FROM pg_stat_archiver") + "\n" + pg.logTail());
            }
            sleep(100);
        }
    }

    static String lastArchivedSegment() {
        return archive.contents().last().orElseThrow().name(SEGMENT);
    }

    static Path fetchToFile(String name) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "seg");
        Path file = dir.resolve(name);
        archive.fetch(name, file);
        return file;
    }

    static int runFixture(String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(fixture.split(" ")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("fixture.out").toFile()).start();
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String checksum(PostgresCluster c) {
        return c.queryForString("SELECT count(*) || ':' || md5(string_agg(id || payload, ',' ORDER BY id)) FROM t");
    }

    static void awaitPromoted(PostgresCluster c) {
        dev.pgnest.wal.WalTestSupport.awaitPromoted(c, Duration.ofSeconds(120));
    }

    static void sleep(long ms) {
        dev.pgnest.wal.WalTestSupport.sleep(ms);
    }
}
