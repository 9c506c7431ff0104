package dev.pgnest.backup.expire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.repository.BackupId;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.Verification;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiryPlanTest {
    private static final Instant NOW = Instant.parse("2025-03-31T12:00:00Z");

    @Test
    void keepLastKeepsTheNewestN() {
        List<Catalog.Entry> all = List.of(b("2025-03-27T01:00:00Z"), b("2025-03-28T01:00:00Z"),
                b("2025-03-29T01:00:00Z"), b("2025-03-30T01:00:00Z"));
        ExpiryPlan plan = ExpiryPlan.of(all, RetentionPolicy.keepLast(2), NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly("20250329-010000L", "20250330-010000L");
        assertThat(ids(plan.toDelete())).containsExactly("20250327-010000L", "20250328-010000L");
    }

    @Test
    void maxAgeKeepsTheYoungOnesAndTheNewestAlways() {
        List<Catalog.Entry> all = List.of(b("2025-01-01T00:00:00Z"), b("2025-02-01T00:00:00Z"));
        ExpiryPlan plan = ExpiryPlan.of(all, new RetentionPolicy(0, Duration.ofDays(7), 0, 0, 0), NOW, ZoneOffset.UTC);
        // both are older than 7 days, but a policy never leaves a kind without its newest backup
        assertThat(ids(plan.toKeep())).containsExactly("20250201-000000L");
        assertThat(plan.decisions().get(1).reasons()).containsExactly("newest");
    }

    @Test
    void grandfatherFatherSonKeepsTheNewestOfEachPeriod() {
        List<Catalog.Entry> all = new ArrayList<>();
        // two backups a day for 70 days
        for (int day = 0; day < 70; day++) {
            Instant d = NOW.minus(Duration.ofDays(day)).truncatedTo(java.time.temporal.ChronoUnit.DAYS);
            all.add(b(d.plusSeconds(3600).toString()));
            all.add(b(d.plusSeconds(7200).toString()));
        }
        ExpiryPlan plan = ExpiryPlan.of(all, new RetentionPolicy(0, null, 3, 2, 3), NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly(
                "20250131-020000L",  // monthly January
                "20250228-020000L",  // monthly February
                "20250329-020000L",  // daily
                "20250330-020000L",  // daily, weekly 2025-W13 (Sunday 30 March)
                "20250331-020000L"); // newest, daily, weekly 2025-W14 (Monday 31 March), monthly March
        assertThat(plan.decisions()).filteredOn(d -> d.backup().id().equals("20250330-020000L")).singleElement()
                .extracting(ExpiryPlan.Decision::reasons).asList()
                .containsExactly("daily 2025-03-30", "weekly 2025-W13");
        assertThat(plan.toDelete()).hasSize(140 - 5);
    }

    @Test
    void theNewestVerifiedBackupIsNeverDeleted() {
        Catalog.Entry verified = b("2025-03-01T00:00:00Z", true);
        Catalog.Entry failed = b("2025-03-02T00:00:00Z", false);
        List<Catalog.Entry> all = List.of(b("2025-02-01T00:00:00Z", true), verified, failed, b("2025-03-30T00:00:00Z"));
        ExpiryPlan plan = ExpiryPlan.of(all, RetentionPolicy.keepLast(1), NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly("20250301-000000L", "20250330-000000L");
        assertThat(plan.decisions()).filteredOn(d -> d.backup() == verified).singleElement()
                .extracting(ExpiryPlan.Decision::reasons).asList().containsExactly("newest verified");
    }

    @Test
    void aBackupWhoseLastDrillFailedCountsForNothingAndTheNewestSoundOneIsKept() {
        Catalog.Entry sound = b("2025-03-29T00:00:00Z");
        Catalog.Entry newest = b("2025-03-30T00:00:00Z");
        DrillRecord failed = new DrillRecord("drill-20250330_010000", "failed", NOW, NOW, "h",
                new DrillRecord.Backup(newest.id(), "logical"), "a check failed", "s3://b/main/drills/drill-20250330_010000.md");
        Catalog.Entry drilledBad = new Catalog.Entry(newest.manifest(), null, List.of(failed));
        ExpiryPlan plan = ExpiryPlan.of(List.of(b("2025-03-28T00:00:00Z"), sound, drilledBad), RetentionPolicy.keepLast(1),
                NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly(sound.id());
        assertThat(plan.decisions()).filteredOn(d -> d.backup() == drilledBad).singleElement()
                .extracting(ExpiryPlan.Decision::reasons).asList().singleElement().asString()
                .startsWith("damaged: drill drill-20250330_010000 failed at ").endsWith("(s3://b/main/drills/drill-20250330_010000.md)");
    }

    @Test
    void whenEveryBackupIsDamagedTheNewestStays() {
        ExpiryPlan plan = ExpiryPlan.of(List.of(b("2025-03-29T00:00:00Z", false), b("2025-03-30T00:00:00Z", false)),
                RetentionPolicy.keepLast(1), NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly("20250330-000000L");
    }

    @Test
    void kindsAreRetainedSeparately() {
        List<Catalog.Entry> all = List.of(b("2025-03-01T00:00:00Z"), b("2025-03-02T00:00:00Z"),
                physical("2025-03-03T00:00:00Z"), physical("2025-03-04T00:00:00Z"));
        ExpiryPlan plan = ExpiryPlan.of(all, RetentionPolicy.keepLast(1), NOW, ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly("20250302-000000L", "20250304-000000P");
    }

    @Test
    void everyBackupAKeptIncrementalDependsOnIsKeptAndDryRunSaysWhy() {
        Catalog.Entry oldFull = physical("2025-03-20T00:00:00Z");
        Catalog.Entry full = physical("2025-03-27T00:00:00Z");
        Catalog.Entry incr1 = chained("2025-03-28T00:00:00Z", "incr", full, null);
        Catalog.Entry diff = chained("2025-03-29T00:00:00Z", "diff", full, null);
        Catalog.Entry incr2 = chained("2025-03-30T00:00:00Z", "incr", diff, null);
        ExpiryPlan plan = ExpiryPlan.of(List.of(oldFull, full, incr1, diff, incr2), RetentionPolicy.keepLast(1), NOW,
                ZoneOffset.UTC);
        assertThat(ids(plan.toKeep())).containsExactly(full.id(), diff.id(), incr2.id());
        assertThat(ids(plan.toDelete())).containsExactly(oldFull.id(), incr1.id());
        assertThat(reasons(plan, diff)).containsExactly("needed by " + incr2.id() + " (incr)");
        assertThat(reasons(plan, full)).containsExactly("needed by " + diff.id() + " (diff)");
    }

    @Test
    void anIncrementalWhoseDependencyFailedVerificationCountsForNothing() {
        Catalog.Entry olderFull = physical("2025-03-26T00:00:00Z");
        Catalog.Entry badFull = entry("2025-03-27T00:00:00Z", BackupKind.PHYSICAL, new Verification(NOW, false, false,
                List.of("files/x: SHA-256 differs"), "t"));
        Catalog.Entry incr = chained("2025-03-28T00:00:00Z", "incr", badFull, null);
        ExpiryPlan plan = ExpiryPlan.of(List.of(olderFull, badFull, incr), RetentionPolicy.keepLast(1), NOW, ZoneOffset.UTC);
        // the newest restorable backup is the older full one: the chain over the damaged one is not
        assertThat(ids(plan.toKeep())).containsExactly(olderFull.id());
        assertThat(reasons(plan, incr)).singleElement().asString()
                .startsWith("damaged: depends on " + badFull.id() + ", verification failed at ");
    }

    private static List<String> reasons(ExpiryPlan plan, Catalog.Entry backup) {
        return plan.decisions().stream().filter(d -> d.backup().id().equals(backup.id())).findFirst().orElseThrow().reasons();
    }

    private static Catalog.Entry chained(String start, String type, Catalog.Entry dependsOn, Verification v) {
        Instant t = Instant.parse(start);
        return new Catalog.Entry(new BackupManifest(1, BackupId.of(t, BackupKind.PHYSICAL), BackupKind.PHYSICAL, "main", t,
                t.plusSeconds(60), "t", null, null, null, null, Compression.ZSTD, null, List.of(), null,
                new BackupManifest.PhysicalInfo(1, "0/2000028", "0/2000100", "000000010000000000000002",
                        "000000010000000000000002", "files", type, dependsOn.id())), v);
    }

    @Test
    void anEmptyPolicyIsRefused() {
        assertThat(new RetentionPolicy(0, null, 0, 0, 0).isEmpty()).isTrue();
        assertThatThrownBy(() -> BackupExpiry.expire(null, "main", new RetentionPolicy(0, null, 0, 0, 0), true, NOW,
                ZoneOffset.UTC)).hasMessageContaining("no retention rule is set");
        assertThatThrownBy(() -> new RetentionPolicy(-1, null, 0, 0, 0)).hasMessageContaining("cannot be negative");
    }

    private static Catalog.Entry b(String start) {
        return entry(start, BackupKind.LOGICAL, null);
    }

    private static Catalog.Entry b(String start, boolean verifiedOk) {
        return entry(start, BackupKind.LOGICAL, new Verification(NOW, verifiedOk, false, List.of(), "t"));
    }

    private static Catalog.Entry physical(String start) {
        return entry(start, BackupKind.PHYSICAL, null);
    }

    private static Catalog.Entry entry(String start, BackupKind kind, Verification v) {
        Instant t = Instant.parse(start);
        return new Catalog.Entry(new BackupManifest(1, BackupId.of(t, kind), kind, "main", t, t.plusSeconds(60), "t",
                null, null, null, null, Compression.ZSTD, null, List.of(), null, null), v);
    }

    private static List<String> ids(List<Catalog.Entry> entries) {
        return entries.stream().map(Catalog.Entry::id).toList();
    }
}
