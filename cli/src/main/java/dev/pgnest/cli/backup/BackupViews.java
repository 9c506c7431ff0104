package dev.pgnest.cli.backup;

import dev.pgnest.backup.expire.BackupExpiry;
import dev.pgnest.backup.expire.ExpiryPlan;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.cli.wal.WalRetentionView;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.Verification;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalCheck;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** JSON shapes of the backup commands: stable field names, sizes in bytes, durations in seconds. */
final class BackupViews {
    private BackupViews() {
    }

    /**
     * A row of {@code backup list}. For a physical backup, the window it restores to: from when
     * it is consistent ({@code restorableFrom}: its end; {@code restorableFromLsn}: its stop LSN)
     * to the end of the WAL that follows it without a hole ({@code restorableToLsn}, in segment
     * {@code restorableToWal}; {@code restorableTo}: when that segment was archived, so no commit
     * in the window is later). Null for logical backups and when the backup is not restorable.
     * {@code proven}: end of the last passed drill of the backup or of a later one of its chain
     * ({@code provenBy} names the drill);
     * {@code lastDrill}: its last drill, passed or failed; {@code damage}: why it is known damaged.
     * {@code type}: a physical backup's full, diff or incr; {@code dependsOn}: the backup a diff or
     * incr one needs to be restored.
     */
    record BackupRow(String id, String kind, String target, Instant startTime, Instant endTime, double durationSeconds,
                     long storedSize, long rawSize, String schemaVersion, String verified, Instant verifiedAt,
                     Instant proven, String provenBy, DrillRecord lastDrill, String damage, List<String> tags,
                     Boolean restorable, Instant restorableFrom, String restorableFromLsn, Instant restorableTo,
                     String restorableToLsn, String restorableToWal, Boolean walGapAfter, String type, String dependsOn) {
        static BackupRow of(Catalog.Entry e, Optional<WalCheck.BackupWindow> window, long segmentSize) {
            BackupManifest m = e.manifest();
            boolean ok = window.isPresent() && window.get().restorable();
            return new BackupRow(m.id(), m.kind().id(), m.target(), m.startTime(), m.endTime(),
                    m.duration().toMillis() / 1000.0, m.storedSize(), m.rawSize(), m.schemaVersion(),
                    BackupViews.verified(e.verification()), e.verification() == null ? null : e.verification().time(),
                    e.lastProven().map(DrillRecord::finishedAt).orElse(null), e.lastProven().map(DrillRecord::id).orElse(null),
                    e.lastDrill().orElse(null), e.damage().orElse(null), m.tags(),
                    window.map(WalCheck.BackupWindow::restorable).orElse(null),
                    ok ? m.endTime() : null,
                    ok ? window.get().consistentAt().toString() : null,
                    ok ? window.get().reachableArchived().orElse(null) : null,
                    window.flatMap(w -> w.restorableTo(segmentSize)).map(Lsn::toString).orElse(null),
                    ok ? window.get().reachable().get().name(segmentSize) : null,
                    ok ? window.get().endsAtGap() : null,
                    m.physical() == null ? null : m.physical().type(), m.dependsOn().orElse(null));
        }
    }

    /** {@code ok}, {@code failed}, or {@code never}. */
    static String verified(Verification v) {
        return v == null ? "never" : v.ok() ? "ok" : "failed";
    }

    /**
     * {@code backup show}: the manifest as stored, the last verification, every verification and
     * every drill (oldest first).
     */
    record BackupDetail(BackupManifest manifest, Verification verification, List<Verification> verifications,
                        List<DrillRecord> drills, Instant proven, String damage) {
        static BackupDetail of(Catalog.Entry e, List<Verification> verifications) {
            return new BackupDetail(e.manifest(), e.verification(), verifications, e.drills(),
                    e.lastProven().map(DrillRecord::finishedAt).orElse(null), e.damage().orElse(null));
        }
    }

    record VerifyRow(String target, String id, boolean ok, boolean deep, long bytesRead, double seconds,
                     List<String> problems) {
        static VerifyRow of(VerifyResult r) {
            return new VerifyRow(r.target(), r.id(), r.ok(), r.deep(), r.bytesRead(), r.took().toMillis() / 1000.0,
                    r.problems());
        }
    }

    record ExpiryRow(String id, String kind, Instant startTime, boolean keep, List<String> reasons) {
    }

    record ExpiryView(String target, boolean dryRun, String policy, List<ExpiryRow> backups, List<String> deleted,
                      WalRetentionView wal) {
        static ExpiryView of(String target, boolean dryRun, BackupExpiry.Result result) {
            ExpiryPlan plan = result.plan();
            return new ExpiryView(target, dryRun, plan.policy().toString(),
                    plan.decisions().stream().map(d -> new ExpiryRow(d.backup().id(), d.backup().manifest().kind().id(),
                            d.backup().manifest().startTime(), d.keep(), d.reasons())).toList(),
                    plan.toDelete().stream().map(Catalog.Entry::id).toList(), WalRetentionView.of(result.wal()));
        }
    }
}
