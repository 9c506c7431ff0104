package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.expire.BackupExpiry;
import dev.pgnest.backup.expire.RetentionPolicy;
import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.backup.physical.PhysicalRestore;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.push.WalPushService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL expiry and restore windows across a timeline switch, on real clusters and a real S3 API:
 * a primary on timeline 1 with backups B1 and B2, then a point-in-time restore of B1 to a
 * restore point between them, promoted to timeline 2 (archiving into the same target), with
 * backup B3. Timeline 2 branches off after B1's start but before B2's: B1 can follow it, B2
 * cannot. Segments are 1 MB (initdb --wal-segsize=1), so names of a non-default size are used.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class WalRetentionTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3();

    static final String TARGET = "main";
    static final long SEGMENT = 1L << 20;
    static final Duration ARCHIVED_WITHIN = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;
    static S3Server s3; // started by servers
    static Storage storage;
    static Repository repository;
    static WalArchive archive;
    static WalPushService service;
    static Path launcher;
    static PostgresCluster primary; // started in @BeforeAll, closed by servers
    static PostgresCluster promoted; // started in @BeforeAll, closed by servers
    static BackupManifest b1;
    static BackupManifest b2;
    static BackupManifest b3;
    static String primaryEnd;
    static String promotedEnd;
    static String primaryData;
    static String promotedData;

    @BeforeAll
    static void buildTwoTimelines() throws Exception {
        Properties config = WalCommandFixture.s3Config(s3, "repo", TARGET);
        config.setProperty("prefetch", "8");
        config.setProperty("prefetch.idle-seconds", "3");
        String fixture = WalCommandFixture.command(tmp, config);
        launcher = FastPathLauncher.write(tmp, fixture, tmp.resolve("spool"), Files.createFile(tmp.resolve("fallbacks.log")));
        storage = servers.closeAfterAll(WalCommandFixture.open(config));
        Repository.init(storage);
        repository = Repository.open(storage);
        archive = new WalArchive(storage, TARGET, Compression.ZSTD, 3);
        service = servers.closeAfterAll(WalPushService.start(archive, WalSpool.at(tmp.resolve("spool")), 0, 4));

        primary = servers.closeAfterAll(PostgresCluster.builder().initdbArgument("--wal-segsize=1").settings(archiving()).start());
        WalTestSupport.createTable(primary);
        WalTestSupport.writeAndSwitch(primary, 2);
        b1 = backup(primary);
        WalTestSupport.writeAndSwitch(primary, 3);
        primary.execute("SELECT pg_create_restore_point('branch')");
        String atBranch = WalTestSupport.checksum(primary);
        WalTestSupport.writeAndSwitch(primary, 3);
        b2 = backup(primary);
        primaryEnd = WalTestSupport.writeAndSwitch(primary, 2);
        WalTestSupport.awaitArchived(archive, primary, primaryEnd, ARCHIVED_WITHIN);
        primaryData = WalTestSupport.checksum(primary);
        primary.stop(); // the restored copy takes over, as after a point-in-time restore

        Map<String, String> recovery = new LinkedHashMap<>(archiving());
        recovery.put("recovery_target_name", "branch");
        recovery.put("recovery_target_action", "promote");
        promoted = servers.closeAfterAll(restored(b1, "promoted", recovery));
        assertThat(WalTestSupport.checksum(promoted)).isEqualTo(atBranch);
        assertThat(promoted.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())")).startsWith("00000002");
        WalTestSupport.writeAndSwitch(promoted, 2);
        b3 = backup(promoted);
        promotedEnd = WalTestSupport.writeAndSwitch(promoted, 2);
        WalTestSupport.awaitArchived(archive, promoted, promotedEnd, ARCHIVED_WITHIN);
        WalTestSupport.awaitArchived(archive, promoted, "00000002.history", ARCHIVED_WITHIN);
        promotedData = WalTestSupport.checksum(promoted);
    }

    @Test
    @Order(1)
    void windowsFollowOnlyATimelineThatBranchedAfterTheBackup() {
        assertThat(timeline(b1)).isEqualTo(1);
        assertThat(timeline(b3)).isEqualTo(2);
        assertThat(archive.history(2).switchPointOff(1)).hasValueSatisfying(at -> {
            assertThat(at).isGreaterThan(Lsn.parse(b1.physical().stopLsn()));
            assertThat(at).isLessThan(Lsn.parse(b2.physical().startLsn()));
        });

        WalCheck.Report report = WalCheck.run(archive, WalCheck.BackupRef.physical(List.of(b1, b2, b3)));

        assertThat(report.gaps()).isEmpty();
        assertThat(report.timelinesWithoutHistory()).isEmpty();
        assertThat(report.healthy()).isTrue();
        Map<String, WalCheck.BackupWindow> w = report.backups().stream()
                .collect(Collectors.toMap(WalCheck.BackupWindow::backupId, x -> x));
        // B1 replays into timeline 2 (recovery_target_timeline = latest), to the promoted server's last segment
        assertThat(w.get(b1.id()).reachable()).contains(WalSegment.parse(promotedEnd, SEGMENT));
        // timeline 2 left timeline 1 before B2 was consistent: B2's window ends with timeline 1
        assertThat(w.get(b2.id()).reachable()).contains(WalSegment.parse(primaryEnd, SEGMENT));
        assertThat(w.get(b3.id()).reachable()).contains(WalSegment.parse(promotedEnd, SEGMENT));
        assertThat(w.get(b2.id()).restorableTo(SEGMENT)).contains(WalSegment.parse(primaryEnd, SEGMENT).endLsn(SEGMENT));
        assertThat(w.get(b2.id()).consistentAt()).isEqualTo(Lsn.parse(b2.physical().stopLsn()));
        assertThat(w.values()).noneMatch(WalCheck.BackupWindow::endsAtGap);
    }

    @Test
    @Order(2)
    void nothingIsRemovedWithoutAPhysicalBackupOrWithAnUnreadableManifest() {
        List<WalArchive.ArchivedFile> before = archive.files();

        WalRetention.Outcome none = WalRetention.expire(archive, List.of(), List.of(), false);
        WalRetention.Outcome unreadable = WalRetention.expire(archive, List.of(b1, b2, b3), List.of("20990101-000000P"), false);

        assertThat(none.notExpired()).hasValueSatisfying(why -> assertThat(why).contains("has no physical backup"));
        assertThat(unreadable.notExpired()).hasValueSatisfying(why -> assertThat(why)
                .contains("the manifest of backup 20990101-000000P of target main cannot be read"));
        assertThat(none.removed() + unreadable.removed()).isZero();
        assertThat(keys(archive.files())).isEqualTo(keys(before));
    }

    @Test
    @Order(3)
    void dryRunsKeepWhatEachSetOfKeptBackupsCanReplay() {
        List<WalArchive.ArchivedFile> files = archive.files();
        long s1 = start(b1);
        long s2 = start(b2);
        long s3 = start(b3);
        assertThat(files).anyMatch(f -> f.kind() == WalFileName.BACKUP_HISTORY && timeline(f) == 1 && number(f) < s2);
        String firstOnTimeline2 = files.stream().filter(f -> f.kind() == WalFileName.SEGMENT && timeline(f) == 2)
                .map(WalArchive.ArchivedFile::name).min(String::compareTo).orElseThrow();

        // all three: only timeline 1 before B1's start goes; timeline 2 branched after it and stays
        assertDryRun(List.of(b1, b2, b3), f -> timeline(f) == 1 && number(f) < s1,
                b1, Map.of(1, Optional.of(b1.physical().startWal()), 2, Optional.of(firstOnTimeline2)));
        // B2 and B3: timeline 1 from B2's start (its branch-off before B2 goes too), timeline 2 from B3's
        assertDryRun(List.of(b2, b3), f -> timeline(f) == 1 && number(f) < s2 || timeline(f) == 2 && number(f) < s3,
                b2, Map.of(1, Optional.of(b2.physical().startWal()), 2, Optional.of(b3.physical().startWal())));
        // B3 alone: nothing of timeline 1 is needed any more
        assertDryRun(List.of(b3), f -> timeline(f) == 1 || timeline(f) == 2 && number(f) < s3,
                b3, Map.of(1, Optional.empty(), 2, Optional.of(b3.physical().startWal())));
        // B2 alone cannot replay timeline 2, but it is the newest timeline (a backup of it may be
        // running), so it stays whole
        assertDryRun(List.of(b2), f -> timeline(f) == 1 && number(f) < s2,
                b2, Map.of(1, Optional.of(b2.physical().startWal()), 2, Optional.of(firstOnTimeline2)));
        assertThat(keys(archive.files())).isEqualTo(keys(files));
    }

    @Test
    @Order(4)
    void backupExpireRemovesWhatNoKeptBackupNeedsAndTheKeptOnesStillRestore() throws Exception {
        List<WalArchive.ArchivedFile> before = archive.files();
        Set<String> doomed = keys(before.stream()
                .filter(f -> f.kind() != WalFileName.HISTORY)
                .filter(f -> timeline(f) == 1 && number(f) < start(b2) || timeline(f) == 2 && number(f) < start(b3))
                .toList());

        BackupExpiry.Result result = BackupExpiry.expire(repository, TARGET, RetentionPolicy.keepLast(2), false,
                Instant.now(), ZoneOffset.UTC);

        assertThat(result.plan().toDelete()).extracting(Catalog.Entry::id).containsExactly(b1.id());
        assertThat(result.wal().removed()).isEqualTo(doomed.size()).isPositive();
        assertThat(result.wal().keepFrom()).contains(b2.physical().startWal());
        Set<String> expected = new HashSet<>(keys(before));
        expected.removeAll(doomed);
        assertThat(keys(archive.files())).isEqualTo(expected);
        assertThat(archive.contains("00000002.history")).isTrue();
        WalCheck.Report report = WalCheck.run(archive, WalCheck.BackupRef.physical(List.of(b2, b3)));
        assertThat(report.healthy()).isTrue();
        assertThat(report.backups()).extracting(w -> w.reachable().orElseThrow().name(SEGMENT))
                .containsExactly(primaryEnd, promotedEnd);

        // what is left replays: B3 to the end of timeline 2, B2 to the end of timeline 1
        try (PostgresCluster r = restored(b3, "b3", Map.of("archive_mode", "off"))) {
            assertThat(WalTestSupport.checksum(r)).isEqualTo(promotedData);
        }
        try (PostgresCluster r = restored(b2, "b2", Map.of("archive_mode", "off", "recovery_target_timeline", "current"))) {
            assertThat(WalTestSupport.checksum(r)).isEqualTo(primaryData);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    static Map<String, String> archiving() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("wal_level", "replica");
        s.put("archive_mode", "on");
        s.put("archive_command", launcher + " wal push %p");
        return s;
    }

    static BackupManifest backup(PostgresCluster pg) {
        DatabaseConnection db = new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(), pg.password(), Map.of());
        return new PhysicalBackup(db, repository, TARGET, archive, PhysicalBackup.Options.defaults()
                .withMethod(PhysicalBackup.Method.FILES).withParallelism(2)).run().manifest();
    }

    /** Restores {@code backup} by hand and recovers with the archive until the server is promoted. */
    static PostgresCluster restored(BackupManifest backup, String name, Map<String, String> settings) throws Exception {
        Path dataDir = tmp.resolve("restore-" + name);
        new PhysicalRestore(repository, backup).restoreTo(dataDir, Map.of(), 2);
        Files.createFile(dataDir.resolve("recovery.signal"));
        PostgresCluster c = PostgresCluster.builder().existingDataDir(dataDir).password(primary.password())
                .settings(settings).setting("restore_command", launcher + " wal fetch %f %p").start();
        try {
            WalTestSupport.awaitPromoted(c, Duration.ofSeconds(120));
            return c;
        } catch (RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    void assertDryRun(List<BackupManifest> kept, Predicate<WalArchive.ArchivedFile> goes, BackupManifest oldest,
                      Map<Integer, Optional<String>> firstKept) {
        List<WalArchive.ArchivedFile> doomed = archive.files().stream()
                .filter(f -> f.kind() != WalFileName.HISTORY).filter(goes).toList();
        WalRetention.Outcome o = WalRetention.expire(archive, kept, List.of(), true);
        assertThat(o.notExpired()).isEmpty();
        assertThat(o.removed()).as("files removed keeping %s", kept.stream().map(BackupManifest::id).toList())
                .isEqualTo(doomed.size()).isPositive();
        assertThat(o.removedBytes()).isEqualTo(doomed.stream().mapToLong(WalArchive.ArchivedFile::size).sum());
        assertThat(o.keepFrom()).contains(oldest.physical().startWal());
        assertThat(o.timelines()).extracting(WalRetention.TimelineOutcome::timeline).containsExactly(1, 2);
        o.timelines().forEach(t -> assertThat(t.firstKept()).as("first kept on timeline %d", t.timeline())
                .isEqualTo(firstKept.get(t.timeline())));
    }

    static Set<String> keys(List<WalArchive.ArchivedFile> files) {
        return files.stream().map(WalArchive.ArchivedFile::key).collect(Collectors.toSet());
    }

    static int timeline(BackupManifest m) {
        return WalSegment.parse(m.physical().startWal(), SEGMENT).timeline();
    }

    static long start(BackupManifest m) {
        return WalSegment.parse(m.physical().startWal(), SEGMENT).number();
    }

    static int timeline(WalArchive.ArchivedFile f) {
        return WalFileName.timelineOf(f.name());
    }

    static long number(WalArchive.ArchivedFile f) {
        return f.segment(SEGMENT).orElseThrow().number();
    }
}
