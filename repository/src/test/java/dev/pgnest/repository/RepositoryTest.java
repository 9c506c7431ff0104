package dev.pgnest.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.RepositoryCheck.Finding;
import dev.pgnest.repository.RepositoryCheck.FindingKind;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageOutput;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryTest {
    @TempDir
    Path dir;
    Storage storage;

    @BeforeEach
    void open() {
        storage = new FsStorageConfig(dir.resolve("repo")).open();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void openOfAnUninitializedLocationSaysToRunRepoInit() {
        assertThatThrownBy(() -> Repository.open(storage))
                .isInstanceOf(PgnestException.class)
                .hasMessage("no pgnest repository at " + dir.resolve("repo") + " (pgnest-repository.json is missing): "
                        + "run pgnest repo init to create one, or fix the repository settings")
                .satisfies(e -> assertThat(((PgnestException) e).kind()).isEqualTo(ErrorKind.REPOSITORY));
    }

    @Test
    void initWritesTheFormatFileOnceAndOpenAcceptsIt() {
        assertThat(Repository.init(storage)).isTrue();
        assertThat(Repository.init(storage)).isFalse();
        Repository repository = Repository.open(storage);
        assertThat(repository.format().format()).isEqualTo(RepositoryFormat.CURRENT);
        assertThat(repository.format().createdBy()).startsWith("pgnest ");
        assertThat(new String(storage.getBytes("pgnest-repository.json"), StandardCharsets.UTF_8))
                .contains("\"format\" : 1");
    }

    @Test
    void initRefusesALocationHoldingSomethingElse() {
        storage.put("someone/else.txt", new byte[] {1});
        assertThatThrownBy(() -> Repository.init(storage))
                .hasMessageContaining("is not empty and not a pgnest repository")
                .hasMessageContaining("choose an empty location");
    }

    @Test
    void everyCommandRefusesAnUnknownFormatVersion() {
        storage.put("pgnest-repository.json",
                "{\"format\": 2, \"createdBy\": \"pgnest 9.0\"}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Repository.open(storage))
                .hasMessage("the repository at " + dir.resolve("repo") + " has format 2 (written by pgnest 9.0), "
                        + "this pgnest reads format 1: upgrade pgnest to a version that knows format 2");
        assertThatThrownBy(() -> Repository.init(storage)).hasMessageContaining("has format 2");
    }

    @Test
    void aCommittedBackupIsInTheCatalogWithChecksummedObjects() throws Exception {
        Repository repository = initialized();
        byte[] data = random(3_000_000);
        BackupManifest manifest;
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            assertThat(storage.stat(RepositoryLayout.inProgressKey("main", backup.id()))).isPresent();
            assertThat(repository.catalog().backups("main")).isEmpty();
            try (BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.ZSTD, 3)) {
                out.write(data);
                out.finish();
            }
            manifest = backup.commit(manifest(backup));
        }
        List<Catalog.Entry> backups = repository.catalog().backups("main");
        assertThat(backups).hasSize(1);
        BackupManifest read = backups.get(0).manifest();
        assertThat(read).isEqualTo(manifest);
        assertThat(read.rawSize()).isEqualTo(data.length);
        BackupObject object = read.objects().get(0);
        assertThat(object.name()).isEqualTo("dump.pgdump.zst");

        String key = RepositoryLayout.backupObjectKey("main", read.id(), object.name());
        assertThat(storage.stat(key).orElseThrow().size()).isEqualTo(object.size());
        assertThat(sha256(storage.getBytes(key))).isEqualTo(object.sha256());
        try (InputStream in = Compression.ZSTD.decompress(storage.get(key))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(storage.stat(RepositoryLayout.inProgressKey("main", read.id()))).isEmpty();
        assertThat(repository.catalog().targets()).containsExactly("main");
        assertThat(repository.catalog().latest("main", BackupKind.LOGICAL)).isPresent();
        assertThat(repository.catalog().latest("main", BackupKind.PHYSICAL)).isEmpty();
    }

    @Test
    void aBackupClosedWithoutCommitLeavesNothing() throws IOException {
        Repository repository = initialized();
        String id;
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            id = backup.id();
            try (BackupObjectOutput out = backup.newObject("done", Compression.GZIP, 6)) {
                out.write(random(1000));
                out.finish();
            }
            BackupObjectOutput unfinished = backup.newObject("half", Compression.NONE, 0);
            unfinished.write(random(1000));
        }
        assertThat(storage.list("main/")).isEmpty();
        assertThat(storage.listIncomplete("")).isEmpty();
        assertThat(repository.catalog().find("main", id)).isEmpty();
    }

    @Test
    void commitRefusesAManifestThatDoesNotListTheStoredObjects() throws IOException {
        Repository repository = initialized();
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            BackupManifest empty = manifest(backup);
            try (BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.NONE, 0)) {
                out.write(1);
                out.finish();
            }
            assertThatThrownBy(() -> backup.commit(empty)).hasMessageContaining("does not match its stored objects");
        }
        assertThat(repository.catalog().backups("main")).isEmpty();
        assertThat(storage.list("main/")).isEmpty();
    }

    @Test
    void twoBackupsInTheSameSecondGetDistinctIds() {
        Repository repository = initialized().withTimings(
                Clock.fixed(Instant.parse("2025-03-14T02:15:00Z"), ZoneOffset.UTC), Duration.ofMinutes(1), Duration.ofMinutes(5));
        try (PendingBackup a = repository.begin("main", BackupKind.LOGICAL);
             PendingBackup b = repository.begin("main", BackupKind.LOGICAL)) {
            assertThat(a.id()).isEqualTo("20250314-021500L");
            assertThat(b.id()).isEqualTo("20250314-021501L");
        }
    }

    @Test
    void checkRemovesTheBackupOfADeadProcessAtOnceButLeavesARunningOne() throws Exception {
        Repository repository = initialized();
        String dead = fakeIncompleteBackup(repository, "20250101-000000L", deadProcess(), Instant.now());
        try (PendingBackup running = repository.begin("main", BackupKind.LOGICAL)) {
            try (BackupObjectOutput out = running.newObject("dump.pgdump", Compression.NONE, 0)) {
                out.write(random(100));
                out.finish();
            }
            List<Finding> findings = RepositoryCheck.cleanTarget(repository, "main");

            assertThat(findings).extracting(Finding::kind, Finding::backupId, Finding::removed).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(FindingKind.INCOMPLETE_BACKUP, dead, true),
                    org.assertj.core.groups.Tuple.tuple(FindingKind.RUNNING_BACKUP, running.id(), false));
            assertThat(findings.stream().filter(f -> f.backupId().equals(dead)).findFirst().orElseThrow().detail())
                    .contains("its backup process (pid").contains("is gone");
            assertThat(storage.list(RepositoryLayout.backupPrefix("main", dead))).isEmpty();
            assertThat(storage.listIncomplete(RepositoryLayout.backupPrefix("main", dead))).isEmpty();
            assertThat(storage.list(RepositoryLayout.backupPrefix("main", running.id()))).hasSize(2);
            running.commit(manifest(running));
        }
        assertThat(repository.catalog().backups("main")).hasSize(1);
    }

    @Test
    void aMarkerFromAnotherMachineCountsAsDeadOnlyOnceItsHeartbeatIsStale() throws Exception {
        Repository repository = initialized();
        ProcessIdentity elsewhere = new ProcessIdentity("other-host", "boot", "pid:[1]", 42, Instant.now());
        String id = fakeIncompleteBackup(repository, "20250101-000000L", elsewhere, Instant.now());

        assertThat(RepositoryCheck.cleanTarget(repository, "main")).extracting(Finding::kind)
                .containsExactly(FindingKind.RUNNING_BACKUP);
        assertThat(storage.list(RepositoryLayout.backupPrefix("main", id))).isNotEmpty();

        Repository later = repository.withTimings(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(16)),
                Duration.ofMinutes(1), Duration.ofMinutes(15));
        RepositoryCheck.Report dry = RepositoryCheck.run(later, null, true);
        assertThat(dry.outstanding()).extracting(Finding::kind).contains(FindingKind.INCOMPLETE_BACKUP);
        assertThat(storage.list(RepositoryLayout.backupPrefix("main", id))).isNotEmpty();

        RepositoryCheck.Report report = RepositoryCheck.run(later, null, false);
        assertThat(report.findings()).extracting(Finding::kind, Finding::removed)
                .contains(org.assertj.core.groups.Tuple.tuple(FindingKind.INCOMPLETE_BACKUP, true));
        assertThat(report.findings().get(0).detail()).contains("no heartbeat from pid 42 on other-host");
        assertThat(report.outstanding()).isEmpty();
        assertThat(storage.list("main/")).isEmpty();
        assertThat(storage.listIncomplete("")).isEmpty();
    }

    @Test
    void anOldDirectoryWithoutManifestOrMarkerIsRemovedAndAFreshOneIsNot() throws IOException {
        Repository repository = initialized();
        storage.put(RepositoryLayout.backupObjectKey("main", "20250101-000000L", "dump.pgdump.zst"), new byte[] {1});
        assertThat(RepositoryCheck.cleanTarget(repository, "main")).extracting(Finding::kind)
                .containsExactly(FindingKind.RUNNING_BACKUP);

        Repository later = repository.withTimings(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)),
                Duration.ofMinutes(1), Duration.ofMinutes(15));
        assertThat(RepositoryCheck.cleanTarget(later, "main")).extracting(Finding::kind)
                .containsExactly(FindingKind.INCOMPLETE_BACKUP);
        assertThat(storage.list("main/")).isEmpty();
    }

    @Test
    void checkRemovesAStrayMarkerAndAbandonedUploadsAndReportsDamagedManifests() throws IOException {
        Repository repository = initialized();
        String id;
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            id = backup.id();
            backup.commit(manifest(backup));
        }
        storage.put(RepositoryLayout.inProgressKey("main", id), "{}".getBytes(StandardCharsets.UTF_8));
        StorageOutput walUpload = storage.create("main/wal/00000001/000000010000000000000001.zst");
        walUpload.write(new byte[10]);
        storage.put(RepositoryLayout.manifestKey("main", "20240101-000000L"), "{not json".getBytes(StandardCharsets.UTF_8));

        Repository later = repository.withTimings(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)),
                Duration.ofMinutes(1), Duration.ofMinutes(15));
        RepositoryCheck.Report report = RepositoryCheck.run(later, null, false);

        assertThat(report.backups()).isEqualTo(2);
        assertThat(report.findings()).extracting(Finding::kind).containsExactlyInAnyOrder(
                FindingKind.DAMAGED_MANIFEST, FindingKind.STRAY_MARKER, FindingKind.ABANDONED_UPLOAD);
        assertThat(report.outstanding()).extracting(Finding::kind).containsExactly(FindingKind.DAMAGED_MANIFEST);
        assertThat(storage.stat(RepositoryLayout.inProgressKey("main", id))).isEmpty();
        assertThat(storage.listIncomplete("")).isEmpty();
        assertThat(repository.catalog().backups("main")).extracting(Catalog.Entry::id).containsExactly(id);
        walUpload.close();
    }

    @Test
    void theCleanBeforeABackupCostsTheSameFewRequestsHoweverManyBackupsTheTargetHolds() {
        initialized();
        for (int i = 0; i < 40; i++) {
            storage.put(RepositoryLayout.manifestKey("main", String.format("20250101-0000%02dL", i)),
                    "{}".getBytes(StandardCharsets.UTF_8));
        }
        String strayId = "20250101-000007L";
        storage.put(RepositoryLayout.inProgressKey("main", strayId), "{}".getBytes(StandardCharsets.UTF_8));
        List<String> reads = new ArrayList<>();
        Storage counting = (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(),
                new Class<?>[] {Storage.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("get") || method.getName().startsWith("list")
                            || method.getName().equals("stat")) {
                        reads.add(method.getName() + (args == null ? "" : " " + args[0]));
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Repository repository = Repository.open(counting);
        reads.clear();

        List<Finding> findings = RepositoryCheck.cleanTarget(repository, "main");

        assertThat(findings).extracting(Finding::kind, Finding::backupId, Finding::removed)
                .containsExactly(tuple(FindingKind.STRAY_MARKER, strayId, true));
        assertThat(storage.stat(RepositoryLayout.inProgressKey("main", strayId))).isEmpty();
        assertThat(storage.stat(RepositoryLayout.manifestKey("main", strayId))).isPresent();
        // one listing of unfinished uploads, one of the backups' objects: not three per backup
        assertThat(reads).containsExactly("listIncomplete main/", "list main/backups/");
    }

    @Test
    void verificationIsRecordedNextToTheManifest() {
        Repository repository = initialized();
        String id = committedLogical(repository);
        assertThat(repository.catalog().get("main", id).verifiedOk()).isFalse();
        repository.catalog().recordVerification("main", id,
                new Verification(Instant.now(), true, false, List.of(), ToolVersion.current()));
        assertThat(repository.catalog().get("main", id).verifiedOk()).isTrue();
        assertThatThrownBy(() -> repository.catalog().get("main", "20000101-000000L"))
                .hasMessageContaining("backup 20000101-000000L does not exist in target 'main'")
                .hasMessageContaining("pgnest backup list");
    }

    @Test
    void everyVerificationIsKeptAndTheLastOneIsTheBackupsState() {
        Repository repository = initialized();
        String id = committedLogical(repository);
        assertThat(repository.catalog().verifications("main", id)).isEmpty();
        Instant first = Instant.parse("2026-12-01T03:00:00.000001Z");
        Instant second = Instant.parse("2026-12-02T03:00:00Z");
        // recorded out of order: the history sorts by time
        repository.catalog().recordVerification("main", id, new Verification(second, false, true, List.of("x: sha256 differs"), "t"));
        repository.catalog().recordVerification("main", id, new Verification(first, true, false, List.of(), "t"));

        assertThat(repository.catalog().verifications("main", id)).extracting(Verification::time, Verification::ok)
                .containsExactly(tuple(first, true), tuple(second, false));
        // the last recorded is the backup's state, as before the history existed
        assertThat(repository.catalog().get("main", id).verification().time()).isEqualTo(first);

        // a backup verified by an older pgnest has only verify.json: that one is its history
        String old = committedLogical(repository);
        storage.put(RepositoryLayout.verificationKey("main", old),
                RepositoryJson.write(new Verification(second, true, true, List.of(), "old")));
        assertThat(repository.catalog().verifications("main", old)).extracting(Verification::toolVersion).containsExactly("old");
    }

    @Test
    void aPassedDrillOfAnIncrementalProvesEveryBackupOfItsChainButOnlyItsOwnFailureDamagesIt() {
        Repository repository = initialized();
        Instant t = Instant.parse("2026-12-01T02:00:00Z");
        String full = committedPhysical(repository, t, "full", null);
        String incr = committedPhysical(repository, t.plusSeconds(3600), "incr", full);
        String other = committedPhysical(repository, t.plusSeconds(7200), "full", null);
        Instant passedAt = t.plusSeconds(9000);
        storage.put(RepositoryLayout.drillKey("main", "drill-1", ".json"), RepositoryJson.write(new DrillRecord("drill-1",
                "succeeded", passedAt.minusSeconds(60), passedAt, "h", new DrillRecord.Backup(incr, "physical"), null, null)));
        storage.put(RepositoryLayout.drillKey("main", "drill-2", ".json"), RepositoryJson.write(new DrillRecord("drill-2",
                "failed", passedAt, passedAt.plusSeconds(60), "h", new DrillRecord.Backup(incr, "physical"), "x", null)));

        Catalog.Listing listing = repository.catalog().listing("main");
        // the full backup was read by the passed restore of the incremental: proven by it
        assertThat(listing.backup(full).orElseThrow().lastProven()).map(DrillRecord::id).contains("drill-1");
        assertThat(listing.backup(incr).orElseThrow().lastProven()).map(DrillRecord::id).contains("drill-1");
        assertThat(listing.backup(other).orElseThrow().lastProven()).isEmpty();
        // the later failed drill marks the incremental damaged, not the full backup under it
        assertThat(listing.backup(incr).orElseThrow().damaged()).isTrue();
        assertThat(listing.backup(full).orElseThrow().damaged()).isFalse();
    }

    // ---- helpers --------------------------------------------------------------------------

    private String committedPhysical(Repository repository, Instant start, String type, String dependsOn) {
        try (PendingBackup backup = repository.begin("main", BackupKind.PHYSICAL, start)) {
            backup.commit(new BackupManifest(RepositoryFormat.CURRENT, backup.id(), BackupKind.PHYSICAL, "main",
                    start, start.plusSeconds(60), ToolVersion.current(), new BackupManifest.PostgresInfo("15.8", 150008, null),
                    null, List.of(), List.of(), Compression.ZSTD, "none", backup.objects(), null,
                    new BackupManifest.PhysicalInfo(1, "0/2000028", "0/2000100", "000000010000000000000002",
                            "000000010000000000000002", "files", type, dependsOn)));
            return backup.id();
        }
    }

    private String committedLogical(Repository repository) {
        try (PendingBackup backup = repository.begin("main", BackupKind.LOGICAL)) {
            backup.commit(manifest(backup));
            return backup.id();
        }
    }

    private Repository initialized() {
        Repository.init(storage);
        return Repository.open(storage);
    }

    /** Simulates a backup whose process stopped: a marker, one object, one unfinished upload. */
    private String fakeIncompleteBackup(Repository repository, String id, ProcessIdentity process, Instant heartbeat)
            throws IOException {
        BackupMarker marker = new BackupMarker(id, BackupKind.LOGICAL, process, heartbeat, heartbeat);
        storage.put(RepositoryLayout.inProgressKey("main", id), RepositoryJson.write(marker));
        storage.put(RepositoryLayout.backupObjectKey("main", id, "a.zst"), new byte[] {1, 2});
        StorageOutput unfinished = storage.create(RepositoryLayout.backupObjectKey("main", id, "b.zst"));
        unfinished.write(new byte[100]); // never closed: as if the process was killed
        return id;
    }

    private static ProcessIdentity deadProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        Instant start = p.info().startInstant().orElse(null);
        p.waitFor();
        ProcessIdentity here = ProcessIdentity.current();
        return new ProcessIdentity(here.host(), here.bootId(), here.pidNamespace(), p.pid(), start);
    }

    static BackupManifest manifest(PendingBackup backup) {
        return new BackupManifest(RepositoryFormat.CURRENT, backup.id(), backup.kind(), backup.target(),
                backup.startTime(), Instant.now(), ToolVersion.current(),
                new BackupManifest.PostgresInfo("15.8", 150008, null), "3", List.of(), List.of(),
                Compression.ZSTD, "none", backup.objects(),
                new BackupManifest.LogicalInfo("app", "custom", "pg_dump (PostgreSQL) 15.8", 1000L), null);
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        // compressible half, so compression has something to do
        for (int i = 0; i < n / 2; i++) {
            b[i] = (byte) (i % 7);
        }
        return b;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
