package dev.pgnest.restore.pitr;

import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.postgres.server.LocalServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.pitr.PointInTimeRecovery.AfterRecovery;
import dev.pgnest.restore.pitr.PointInTimeRecovery.Archiving;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PITR engine on a real cluster, independent of pgnest's repository format: WAL archived
 * by a plain {@code cp} archive_command, a base backup taken with pg_basebackup. Each restore
 * must give exactly the table checksum recorded at its target.
 */
@IntegrationTest
class PointInTimeRecoveryTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b
            .setting("wal_level", "replica")
            .setting("archive_mode", "on")
            .setting("archive_command", "/bin/true"));

    private static final String CHECKSUM = "select count(*) || ':' || coalesce(md5(string_agg(id || ',' || payload, ';' order by id)), '') from t";

    static PostgresCluster pg; // started by servers
    static Path archive;
    static Path baseBackup;
    static int restores;

    /** Recorded while the workload ran: the checksum each target must reproduce. */
    static String atBackup;
    static String lsnTarget;
    static String atLsn;
    static String atRestorePoint;
    static String timeTarget;
    static String atTime;
    static long xidTarget;
    static String atXid;
    static String atEnd;
    /** The last segment archived: where an unbroken recovery to the end must get. */
    static String lastArchived;

    @BeforeAll
    static void workload() throws Exception {
        archive = pg.newServerDirectory("archive");
        pg.execute("ALTER SYSTEM SET archive_command = 'test ! -f " + archive + "/%f && cp %p " + archive + "/%f'");
        pg.execute("SELECT pg_reload_conf()");
        pg.execute("CREATE TABLE t (id bigserial PRIMARY KEY, payload text NOT NULL)");
        insert(50);
        atBackup = checksum();

        baseBackup = pg.newServerDirectory("base").resolve("data");
        pgBasebackup(baseBackup);

        insert(100);
        lsnTarget = pg.queryForString("SELECT pg_current_wal_insert_lsn()");
        atLsn = checksum();

        pg.execute("UPDATE t SET payload = payload || '-u' WHERE id % 7 = 0");
        pg.execute("SELECT pg_create_restore_point('after-update')");
        atRestorePoint = checksum();

        insert(80);
        timeTarget = pg.queryForString("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        atTime = checksum();
        Thread.sleep(20);

        try (var c = pg.connect(); var s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DELETE FROM t WHERE id % 5 = 0");
            try (var rs = s.executeQuery("SELECT txid_current()")) {
                rs.next();
                xidTarget = rs.getLong(1);
            }
            c.commit();
        }
        atXid = checksum();

        insert(60);
        atEnd = checksum();
        lastArchived = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        awaitArchived(lastArchived);
        assertThat(List.of(atBackup, atLsn, atRestorePoint, atTime, atXid, atEnd)).doesNotHaveDuplicates();
    }

    @Test
    void recoveryToAnLsnGivesTheTableAsItWasThere() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(new RecoveryTarget.Lsn(lsnTarget), atLsn);
        assertThat(outcome.state()).isEqualTo(RecoveryOutcome.State.PROMOTED);
        assertThat(outcome.stopReason()).contains("recovery stopping after WAL location (LSN) \"" + lsnTarget + "\"");
        assertThat(outcome.timeline()).isGreaterThan(1);
        assertThat(outcome.walReplayed().count()).isPositive();
    }

    @Test
    void recoveryToARestorePointGivesTheTableAsItWasThere() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(new RecoveryTarget.RestorePoint("after-update"), atRestorePoint);
        assertThat(outcome.stopReason()).contains("recovery stopping at restore point \"after-update\"");
    }

    @Test
    void recoveryToATimeGivesTheTableAsItWasThen() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(RecoveryTarget.Time.parse(timeTarget), atTime);
        assertThat(outcome.stopReason()).contains("recovery stopping before commit of transaction");
        assertThat(outcome.reachedTime()).isBefore(Instant.parse(timeTarget));
    }

    @Test
    void recoveryToATransactionIncludesIt() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(new RecoveryTarget.Xid(xidTarget), atXid);
        assertThat(outcome.stopReason()).contains("recovery stopping after commit of transaction " + xidTarget);
    }

    @Test
    void immediateRecoveryGivesTheTableAsItWasAtTheBackup() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(new RecoveryTarget.Immediate(), atBackup);
        assertThat(outcome.stopReason()).contains("consistency");
    }

    @Test
    void recoveryWithoutTargetReplaysTheWholeArchive() throws Exception {
        RecoveryOutcome outcome = recoverAndCheck(new RecoveryTarget.Latest(), atEnd, lastArchivedStart());
        assertThat(outcome.stopReason()).isEqualTo("end of the archived WAL");
    }

    /**
     * A restore_command that answers "not archived" for a segment the archive has (a bug, a
     * failed copy) ends PostgreSQL's recovery there, and PostgreSQL promotes: without a target,
     * only the archive's end tells that WAL was skipped.
     */
    @Test
    void recoveryToTheEndThatStopsBeforeTheArchivesLastSegmentFails() throws Exception {
        Path dataDir = freshCopy();
        RecoverySettings settings = RecoverySettings.of("[ %f != " + lastArchived + " ] && " + restoreCommand(),
                new RecoveryTarget.Latest());
        assertThatThrownBy(() -> PointInTimeRecovery.run(new PointInTimeRecovery.Request(
                dataDir, settings, options(), Archiving.OFF, AfterRecovery.STOP, Duration.ofMinutes(2), lastArchivedStart())))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("recovery ended at ")
                .hasMessageContaining(" without replaying the archive's last WAL segment (which starts at " + lastArchivedStart() + ")");
        assertThat(LocalServer.readPid(dataDir).filter(LocalServer::isAlive)).isEmpty();
    }

    @Test
    void pauseStopsReadOnlyAtTheTarget() throws Exception {
        Path dataDir = freshCopy();
        RecoverySettings settings = RecoverySettings.of(restoreCommand(), new RecoveryTarget.RestorePoint("after-update"))
                .withAction(RecoveryAction.PAUSE);
        PointInTimeRecovery.Result result = PointInTimeRecovery.run(new PointInTimeRecovery.Request(
                dataDir, settings, options(), Archiving.OFF, AfterRecovery.KEEP_RUNNING, Duration.ofMinutes(2)));
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(result.outcome().state()).isEqualTo(RecoveryOutcome.State.PAUSED);
            assertThat(server.query("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(server.query(CHECKSUM)).isEqualTo(atRestorePoint);
        }
    }

    @Test
    void targetBeyondTheArchiveFailsNamingWhereTheWalEnds() throws Exception {
        Path dataDir = freshCopy();
        RecoverySettings settings = RecoverySettings.of(restoreCommand(), new RecoveryTarget.Lsn("FF/0"));
        assertThatThrownBy(() -> PointInTimeRecovery.run(new PointInTimeRecovery.Request(
                dataDir, settings, options(), Archiving.OFF, AfterRecovery.STOP, Duration.ofMinutes(2))))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("recovery ended before the target lsn FF/0 was reached: the archived WAL ends at ")
                .hasMessageContaining("last WAL segment restored: 0000000100000000000000");
        assertThat(LocalServer.readPid(dataDir).filter(LocalServer::isAlive)).isEmpty();
    }

    @Test
    void refusesADataDirectoryWithARunningServer() {
        assertThatThrownBy(() -> PointInTimeRecovery.run(new PointInTimeRecovery.Request(
                pg.dataDir(), RecoverySettings.of(restoreCommand(), new RecoveryTarget.Immediate()),
                options(), Archiving.OFF, AfterRecovery.STOP, Duration.ofMinutes(1))))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("is running on " + pg.dataDir());
        assertThat(pg.dataDir().resolve("recovery.signal")).doesNotExist();
    }

    /**
     * The production path as root: the data directory is handed to the postgres OS user and
     * pg_ctl and psql run through runuser.
     */
    @Test
    void asRootTheServerRunsAsThePostgresOsUser(@TempDir Path tmp) throws Exception {
        assumeTrue(ServerAccount.isRoot(), "only meaningful as root");
        assumeTrue(new ProcessBuilder("id", "postgres").start().waitFor() == 0, "needs an OS user postgres");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path ownArchive = tmp.resolve("archive");
        copyTree(archive, ownArchive);
        new ServerAccount.OsUser("postgres").takeOwnership(ownArchive);
        Path dataDir = tmp.resolve("data");
        copyTree(baseBackup, dataDir);
        LocalServer.Options options = new LocalServer.Options(PgBinaries.in(pg.binDir()), new ServerAccount.OsUser("postgres"),
                freePort(), tmp.resolve("run"), "postgres", null, null);
        PointInTimeRecovery.Result result = PointInTimeRecovery.run(new PointInTimeRecovery.Request(dataDir,
                RecoverySettings.of("cp " + ownArchive + "/%f %p", new RecoveryTarget.Xid(xidTarget)),
                options, Archiving.OFF, AfterRecovery.KEEP_RUNNING, Duration.ofMinutes(2)));
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(server.query(CHECKSUM)).isEqualTo(atXid);
            assertThat(Files.getOwner(dataDir.resolve("base")).getName()).isEqualTo("postgres");
        }
    }

    // ------------------------------------------------------------------------------------

    private static RecoveryOutcome recoverAndCheck(RecoveryTarget target, String expectedChecksum) throws IOException {
        return recoverAndCheck(target, expectedChecksum, null);
    }

    private static RecoveryOutcome recoverAndCheck(RecoveryTarget target, String expectedChecksum, Lsn archivedThrough)
            throws IOException {
        Path dataDir = freshCopy();
        RecoverySettings settings = RecoverySettings.of(restoreCommand(), target);
        PointInTimeRecovery.Result result = PointInTimeRecovery.run(new PointInTimeRecovery.Request(
                dataDir, settings, options(), Archiving.OFF, AfterRecovery.KEEP_RUNNING, Duration.ofMinutes(2), archivedThrough));
        try (LocalServer server = result.server().orElseThrow()) {
            assertThat(server.query("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(server.query(CHECKSUM)).as("checksum after recovery to %s", target.describe())
                    .isEqualTo(expectedChecksum);
            assertThat(result.outcome().reachedLsn()).matches("[0-9A-F]+/[0-9A-F]+");
        }
        assertThat(LocalServer.readPid(dataDir).filter(LocalServer::isAlive)).isEmpty();
        return result.outcome();
    }

    static Lsn lastArchivedStart() {
        return WalSegment.parse(lastArchived, WalSegment.DEFAULT_SIZE).startLsn(WalSegment.DEFAULT_SIZE);
    }

    static String restoreCommand() {
        return "cp " + archive + "/%f %p";
    }

    static LocalServer.Options options() {
        Path runDir = pg.newServerDirectory("run-" + (++restores));
        return new LocalServer.Options(PgBinaries.in(pg.binDir()), account(), freePort(), runDir, "postgres", null, null);
    }

    static ServerAccount account() {
        return switch (pg.runAs()) {
            case USER_NAMESPACE -> new ServerAccount.UserNamespace();
            case POSTGRES_USER -> new ServerAccount.OsUser("postgres");
            default -> new ServerAccount.CurrentUser();
        };
    }

    static synchronized Path freshCopy() throws IOException {
        Path target = pg.newServerDirectory("restore-" + (++restores)).resolve("data");
        copyTree(baseBackup, target);
        return target;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void insert(int rows) {
        pg.execute("INSERT INTO t (payload) SELECT md5(random()::text) FROM generate_series(1, " + rows + ")");
    }

    private static String checksum() {
        return pg.queryForString(CHECKSUM);
    }

    private static void pgBasebackup(Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of(pg.binDir().resolve("pg_basebackup").toString(),
                "-D", dir.toString(), "-X", "none", "-c", "fast", "--no-sync"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(pg.libpqEnvironment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("pg_basebackup: %s", out).isZero();
    }

    private static void awaitArchived(String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(archive.resolve(segment))) {
            assertThat(System.nanoTime()).as("segment %s archived", segment).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
