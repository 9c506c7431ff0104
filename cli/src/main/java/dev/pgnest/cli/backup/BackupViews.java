package dev.pgnest.cli.backup;

import dev.pgnest.backup.expire.ExpiryPlan;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Verification;
import java.time.Instant;
import java.util.List;

/** JSON shapes of the backup commands: stable field names, sizes in bytes, durations in seconds. */
final class BackupViews {
    private BackupViews() {
    }

    /** A row of {@code backup list}. */
    record BackupRow(String id, String kind, String target, Instant startTime, Instant endTime, double durationSeconds,
                     long storedSize, long rawSize, String schemaVersion, String verified, List<String> tags) {
        static BackupRow of(Catalog.Entry e) {
            BackupManifest m = e.manifest();
            return new BackupRow(m.id(), m.kind().id(), m.target(), m.startTime(), m.endTime(),
                    m.duration().toMillis() / 1000.0, m.storedSize(), m.rawSize(), m.schemaVersion(),
                    BackupViews.verified(e.verification()), m.tags());
        }
    }

    /** {@code ok}, {@code failed}, or {@code never}. */
    static String verified(Verification v) {
        return v == null ? "never" : v.ok() ? "ok" : "failed";
    }

    /** {@code backup show}: the manifest as stored, and the last verification. */
    record BackupDetail(BackupManifest manifest, Verification verification) {
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

    record ExpiryView(String target, boolean dryRun, String policy, List<ExpiryRow> backups, List<String> deleted) {
        static ExpiryView of(String target, boolean dryRun, ExpiryPlan plan) {
            return new ExpiryView(target, dryRun, plan.policy().toString(),
                    plan.decisions().stream().map(d -> new ExpiryRow(d.backup().id(), d.backup().manifest().kind().id(),
                            d.backup().manifest().startTime(), d.keep(), d.reasons())).toList(),
                    plan.toDelete().stream().map(Catalog.Entry::id).toList());
        }
    }
}
