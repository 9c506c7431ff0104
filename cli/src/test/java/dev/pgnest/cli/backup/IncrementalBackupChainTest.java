package dev.pgnest.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.testing.WalCommandServer;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A chain full → incr → incr → diff → incr taken with {@code pgnest backup physical --type},
 * with inserts, updates, deletes, a new and a dropped table between the backups; every backup
 * of the chain is restored by {@code pgnest restore pitr} to the moment after it and must hold
 * exactly the rows it held then (table checksums). Then a damaged middle piece (refused before
 * anything is touched, reported by verify), and an incremental killed with SIGKILL.
 */
@IntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IncrementalBackupChainTest {
    @RegisterExtension
    static final Servers servers = Servers.none();

    static Path dir;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static Storage storage;
    static Repository repository;
    static WalArchive archive;
    static WalCommandServer walServer;
    /** Each backup of the chain, the LSN just after it, and the tables' checksums there. */
    static final List<Point> points = new ArrayList<>();

    record Point(BackupManifest backup, String lsn, String tables) {
    }

    @BeforeAll
    static void clusterWithArchive() throws Exception {
        dir = servers.deleteAfterAll(Files.createTempDirectory(Path.of("/tmp"), "pgnest-incr-"));
        // the restored server runs as another OS user, which must reach the data directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        storage = servers.closeAfterAll(new FsStorageConfig(dir.resolve("repo")).open());
        Repository.init(storage);
        repository = Repository.open(storage);
        archive = new WalArchive(storage, "default", Compression.ZSTD, 3);
        walServer = servers.closeAfterAll(new WalCommandServer(archive::push, archive::fetch, WalNotFoundException.class));
        pg = servers.closeAfterAll(PostgresCluster.builder().setting("wal_level", "replica").setting("archive_mode", "on")
                .setting("archive_command", walServer.archiveCommand())
                .start());
        pg.execute("create table items (id int primary key, v text not null, n int not null)");
        pg.execute("insert into items select g, md5(g::text) || repeat('x', 150), 0 from generate_series(1, 60000) g");
        pg.execute("create table notes (id int primary key, body text)");
        pg.execute("insert into notes select g, 'note ' || g from generate_series(1, 200) g");
        pg.execute("checkpoint");

        Path launcher = dir.resolve("pgnest-launcher");
        walServer.writeFetchLauncher(launcher);
    }

    @Test
    @Order(1)
    void aChainOfFullIncrIncrDiffIncrRestoresEveryBackupByPitrToTheRowsItHeld() throws Exception {
        String[] types = {"full", "incr", "incr", "diff", "incr"};
        for (int i = 0; i < types.length; i++) {
            if (i > 0) {
                writeBetweenBackups(i);
            }
            CliRun run = pgnest("backup", "physical", "--type", types[i], "--method", "files", "--data-dir", pg.dataDir().toString());
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            BackupManifest m = repository.catalog().latest("default", null).orElseThrow().manifest();
            String expectedParent = switch (types[i]) {
                case "incr" -> points.get(i - 1).backup().id();
                case "diff" -> points.get(0).backup().id();
                default -> null;
            };
            assertThat(m.physical().type()).isEqualTo(types[i]);
            assertThat(m.physical().dependsOn()).isEqualTo(expectedParent);
            assertThat(run.out()).startsWith("backup " + m.id() + " of target default (physical " + types[i]
                    + (expectedParent == null ? "" : " on " + expectedParent) + ", files): ");
            points.add(new Point(m, lsnAfterBackup(), tables(pg)));
        }
        // 1 % of the big table changed: an incremental stores a small part of what the full one does
        long full = points.get(0).backup().storedSize();
        for (Point p : points.subList(1, points.size())) {
            assertThat(p.backup().storedSize()).as("stored size of %s %s", p.backup().physical().type(), p.backup().id())
                    .isLessThan(full / 4);
        }
        awaitArchived(pg.queryForString("select pg_walfile_name(pg_switch_wal())"));

        CliRun list = pgnest("backup", "list");
        assertThat(list.out()).contains("  incr: depends on " + points.get(0).backup().id(),
                "  diff: depends on " + points.get(0).backup().id(), "  incr: depends on " + points.get(3).backup().id());
        CliRun show = pgnest("backup", "show", points.get(4).backup().id());
        assertThat(show.out()).contains("type:           incr, depends on " + points.get(3).backup().id());
        // the picture tells full from incremental backups (parsed, not compared as text)
        org.w3c.dom.Document picture = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(pgnest("backup", "list", "--output", "svg").out()
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        javax.xml.xpath.XPath xpath = javax.xml.xpath.XPathFactory.newInstance().newXPath();
        assertThat(((Number) xpath.evaluate("count(//g[@class='backup full'])", picture, javax.xml.xpath.XPathConstants.NUMBER))
                .intValue()).isEqualTo(1);
        assertThat(((Number) xpath.evaluate("count(//g[starts-with(@class,'backup incremental')])", picture,
                javax.xml.xpath.XPathConstants.NUMBER)).intValue()).isEqualTo(4);
        assertThat(xpath.evaluate("//g[@data-id='" + points.get(3).backup().id() + "']/title", picture))
                .contains("physical diff backup " + points.get(3).backup().id() + " (depends on " + points.get(0).backup().id() + ")");

        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            Path dataDir = dir.resolve("restored-" + i);
            CliRun run = pgnest("restore", "pitr", "--backup", p.backup().id(), "--to-lsn", p.lsn(), "--data-dir",
                    dataDir.toString(), "--port", "" + PitrEnvironment.freePort(), "--no-archive");
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            try (PostgresCluster restored = PostgresCluster.startExisting(dataDir, pg.password())) {
                assertThat(tables(restored)).as("tables after restoring %s %s", p.backup().physical().type(),
                        p.backup().id()).isEqualTo(p.tables());
            }
        }
    }

    @Test
    @Order(2)
    void aDamagedMiddlePieceIsReportedByVerifyAndItsDependentsAreRefusedBeforeAnythingIsTouched() throws Exception {
        BackupManifest firstIncr = points.get(1).backup();
        BackupManifest dependent = points.get(2).backup(); // the second incr, on the first
        BackupManifest middle = dependent;
        BackupManifest.BackupObject object = firstIncr.objects().stream().filter(o -> o.name().startsWith("bundles/"))
                .findFirst().orElseThrow();
        Path stored = dir.resolve("repo").resolve(RepositoryLayout.backupObjectKey("default", firstIncr.id(), object.name()));
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(stored, bytes);

        CliRun verify = pgnest("backup", "verify", dependent.id());
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isNotZero();
        assertThat(verify.out() + verify.err()).contains("backup " + firstIncr.id() + " (depended on): " + object.name()
                + ": SHA-256 ");
        CliRun verifyPiece = pgnest("backup", "verify", firstIncr.id());
        assertThat(verifyPiece.exitCode()).isNotZero();

        Path dataDir = dir.resolve("never");
        CliRun restore = pgnest("restore", "pitr", "--backup", middle.id(), "--to-lsn", points.get(2).lsn(), "--data-dir",
                dataDir.toString(), "--port", "" + PitrEnvironment.freePort(), "--no-archive");
        assertThat(restore.exitCode()).isNotZero();
        assertThat(restore.err()).contains("cannot restore backup " + middle.id() + ": backup " + middle.id()
                + " depends on backup " + firstIncr.id() + ", which is damaged (verification failed at ");
        assertThat(dataDir).doesNotExist();

        // the diff does not need the damaged incr: it and the incr on it still restore
        Point last = points.get(4);
        Path lastDir = dir.resolve("restored-after-damage");
        CliRun ok = pgnest("restore", "pitr", "--backup", last.backup().id(), "--to-lsn", last.lsn(), "--data-dir",
                lastDir.toString(), "--port", "" + PitrEnvironment.freePort(), "--no-archive");
        assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
        try (PostgresCluster restored = PostgresCluster.startExisting(lastDir, pg.password())) {
            assertThat(tables(restored)).isEqualTo(last.tables());
        }

        // a piece gone from the store: refused the same way, nothing created
        Path gone = dir.resolve("repo").resolve(RepositoryLayout.backupObjectKey("default", points.get(3).backup().id(),
                points.get(3).backup().objects().get(0).name()));
        Path aside = dir.resolve("aside");
        Files.move(gone, aside);
        try {
            CliRun refused = pgnest("restore", "pitr", "--backup", last.backup().id(), "--to-lsn", last.lsn(), "--data-dir",
                    dataDir.toString(), "--port", "" + PitrEnvironment.freePort(), "--no-archive");
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.err()).contains("backup " + points.get(3).backup().id() + " is missing its object "
                    + points.get(3).backup().objects().get(0).name());
            assertThat(dataDir).doesNotExist();
        } finally {
            Files.move(aside, gone);
        }

        // repo check names a backup whose dependency is gone
        Path manifest = dir.resolve("repo").resolve(RepositoryLayout.manifestKey("default", firstIncr.id()));
        Files.move(manifest, aside);
        try {
            CliRun check = pgnest("repo", "check", "--dry-run");
            assertThat(check.out() + check.err()).contains("depends on backup " + firstIncr.id()
                    + ", which is not in the repository: it cannot be restored");
            assertThat(check.exitCode()).isNotZero();
        } finally {
            Files.move(aside, manifest);
        }

        // expire keeps what the kept backups need, and counts the damaged chain for nothing
        CliRun expire = pgnest("backup", "expire", "--keep-last", "1", "--dry-run");
        assertThat(expire.exitCode()).as(expire.out() + expire.err()).isZero();
        assertThat(expire.out()).contains("needed by " + last.backup().id() + " (incr)",
                "needed by " + points.get(3).backup().id() + " (diff)");
    }

    @Test
    @Order(3)
    void anIncrementalKilledWithSigkillLeavesNoBackupAndTheNextOneRestores() throws Exception {
        int before = repository.catalog().backups("default").size();
        pg.execute("update items set n = n + 1 where id % 50 = 0");
        Process child = childPgnest("backup", "physical", "--type", "incr", "--method", "files", "--data-dir",
                pg.dataDir().toString());
        // killed once its in-progress marker is there: pg_backup_start has run, files are being copied
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!inProgress() && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(repository.catalog().backups("default")).hasSize(before);

        pg.execute("delete from notes where id % 3 = 0");
        CliRun run = pgnest("backup", "physical", "--type", "incr", "--method", "files", "--data-dir", pg.dataDir().toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Catalog.Entry latest = repository.catalog().latest("default", null).orElseThrow();
        assertThat(latest.manifest().physical().type()).isEqualTo("incr");
        String lsn = lsnAfterBackup();
        String tables = tables(pg);
        awaitArchived(pg.queryForString("select pg_walfile_name(pg_switch_wal())"));
        Path dataDir = dir.resolve("restored-after-kill");
        CliRun restore = pgnest("restore", "pitr", "--backup", latest.id(), "--to-lsn", lsn, "--data-dir", dataDir.toString(),
                "--port", "" + PitrEnvironment.freePort(), "--no-archive");
        assertThat(restore.exitCode()).as(restore.out() + restore.err()).isZero();
        try (PostgresCluster restored = PostgresCluster.startExisting(dataDir, pg.password())) {
            assertThat(tables(restored)).isEqualTo(tables);
        }
    }

    @Test
    @Order(4)
    void aFullBackupKilledHalfwayIsResumedWithoutUploadingItsStoredFilesAgainAndVerifies() throws Exception {
        pg.execute("create table blobs (id int primary key, b text not null)");
        pg.execute("insert into blobs select g, repeat(md5(g::text), 12) from generate_series(1, 60000) g");
        pg.execute("checkpoint");
        Process child = childPgnest("backup", "physical", "--type", "full", "--parallel", "1", "--method", "files",
                "--data-dir", pg.dataDir().toString());
        // killed once the first large file is stored and noted: the rest is still to do
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        List<Path> notes = List.of();
        while (notes.isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
            notes = resumeNotes();
            Thread.sleep(10);
        }
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(notes).as("a large file was noted before the kill").isNotEmpty();
        Path backups = dir.resolve("repo").resolve(RepositoryLayout.backupsPrefix("default"));
        Path backupDir = backups.resolve(backups.relativize(notes.get(0)).getName(0));
        String killedId = backupDir.getFileName().toString();
        assertThat(repository.catalog().find("default", killedId)).isEmpty();
        String noted = backupDir.relativize(notes.get(0)).toString();
        Path object = backupDir.resolve(noted.substring("resume/".length(), noted.length() - ".json".length()));
        var storedBefore = Files.getLastModifiedTime(object);
        Object inodeBefore = Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        CliRun run = pgnest("backup", "physical", "--type", "full", "--parallel", "1", "--method", "files", "--data-dir",
                pg.dataDir().toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        BackupManifest resumed = repository.catalog().latest("default", null).orElseThrow().manifest();
        assertThat(resumed.id()).isEqualTo(killedId);
        assertThat(resumed.physical().type()).isEqualTo("full");
        // the object stored before the kill is the one the manifest lists: not uploaded again
        assertThat(Files.getLastModifiedTime(object)).isEqualTo(storedBefore);
        assertThat(Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .isEqualTo(inodeBefore);
        assertThat(resumed.objects()).anyMatch(o -> backupDir.resolve(o.name()).equals(object));
        assertThat(resumeNotes()).isEmpty();
        assertThat(backupDir.resolve(RepositoryLayout.IN_PROGRESS)).doesNotExist();

        CliRun verify = pgnest("backup", "verify", killedId);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        String lsn = lsnAfterBackup();
        String tables = tables(pg);
        awaitArchived(pg.queryForString("select pg_walfile_name(pg_switch_wal())"));
        Path dataDir = dir.resolve("restored-resumed");
        CliRun restore = pgnest("restore", "pitr", "--backup", killedId, "--to-lsn", lsn, "--data-dir", dataDir.toString(),
                "--port", "" + PitrEnvironment.freePort(), "--no-archive");
        assertThat(restore.exitCode()).as(restore.out() + restore.err()).isZero();
        try (PostgresCluster restored = PostgresCluster.startExisting(dataDir, pg.password())) {
            assertThat(tables(restored)).isEqualTo(tables);
        }
    }

    private static List<Path> resumeNotes() {
        Path backups = dir.resolve("repo").resolve(RepositoryLayout.backupsPrefix("default"));
        try (Stream<Path> all = Files.walk(backups)) {
            return all.filter(p -> p.toString().contains("/resume/") && p.toString().endsWith(".json")).toList();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return List.of(); // a file came or went while walking
        }
    }

    /** Step i of the application's writes: new rows, updates of recent ones, deletes, a table come and gone. */
    private static void writeBetweenBackups(int step) {
        int base = 60000 + step * 1200;
        pg.execute("insert into items select g, md5(g::text) || repeat('y', 150), " + step + " from generate_series("
                + (base + 1) + ", " + (base + 1200) + ") g");
        pg.execute("update items set n = n + " + step + ", v = v || '!' where id % 200 = " + step);
        pg.execute("delete from notes where id % 10 = " + step);
        switch (step) {
            case 1 -> pg.execute("create table extra (id int primary key, at text); insert into extra select g, 'e' || g "
                    + "from generate_series(1, 500) g");
            case 2 -> pg.execute("update extra set at = 'changed' where id < 100");
            case 3 -> pg.execute("drop table extra");
            default -> pg.execute("vacuum items");
        }
    }

    /** Every table of the public schema: name, rows and a checksum of their content, in one line. */
    private static String tables(PostgresCluster c) {
        String names = c.queryForString("select string_agg(relname, ' ' order by relname) from pg_class "
                + "where relkind = 'r' and relnamespace = 'public'::regnamespace");
        StringBuilder all = new StringBuilder();
        for (String table : names.split(" ")) {
            all.append(table).append('=').append(c.queryForString("select count(*) || ':' || "
                    + "md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from " + table + " t")).append(' ');
        }
        return all.toString().strip();
    }

    /** A WAL location after the backup that changes no table (a logical message), for --to-lsn. */
    private static String lsnAfterBackup() {
        pg.queryForString("select pg_logical_emit_message(false, 'pgnest-test', 'after backup')::text");
        return pg.queryForString("select pg_current_wal_insert_lsn()");
    }

    private static boolean inProgress() {
        Path backups = dir.resolve("repo").resolve(RepositoryLayout.backupsPrefix("default"));
        try (Stream<Path> ids = Files.list(backups)) {
            return ids.anyMatch(id -> Files.exists(id.resolve(RepositoryLayout.IN_PROGRESS)));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", dir.resolve("repo").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
        env.put("PGNEST_RESTORE_LAUNCHER", dir.resolve("pgnest-launcher").toString());
        env.put("PGNEST_RESTORE_TIMEOUT", "2m");
        env.put("PGNEST_BACKUP_WAL_TIMEOUT", "60s");
        env.put("TMPDIR", dir.toString());
        return env;
    }

    private static CliRun pgnest(String... args) {
        return CliRun.run(env(), dir, args);
    }

    /** pgnest in a child JVM on the test's class path, to be killed. */
    private static Process childPgnest(String... args) throws java.io.IOException {
        List<String> command = CliProcess.inline(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env());
        return pb.start();
    }

    private static void awaitArchived(String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!archive.contains(segment)) {
            assertThat(System.nanoTime()).as("segment %s archived within 60 s", segment).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
