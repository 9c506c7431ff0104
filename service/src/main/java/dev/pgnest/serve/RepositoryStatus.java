package dev.pgnest.serve;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.Repository;
import dev.pgnest.serve.status.TargetStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A target's status from its catalog. Restorable windows:
 * <ul>
 *   <li>physical backups: per timeline, from the end of the oldest base backup to the end of
 *       the newest — a lower bound until the WAL archive's coverage is read here too (then the
 *       window reaches the newest archived WAL; see {@code dev.pgnest.wal});</li>
 *   <li>logical backups: the points they were taken at (a dump restores to its snapshot, not
 *       between two dumps), shown as one row from the oldest to the newest.</li>
 * </ul>
 */
final class RepositoryStatus {
    private RepositoryStatus() {
    }

    static TargetStatus of(Repository repository, String target) {
        Catalog.Listing listing = repository.catalog().listing(target);
        List<Catalog.Entry> entries = listing.backups();
        List<TargetStatus.Backup> backups = new ArrayList<>();
        List<BackupManifest> logical = new ArrayList<>();
        TreeMap<Long, List<BackupManifest>> physical = new TreeMap<>();
        for (Catalog.Entry e : entries) {
            BackupManifest m = e.manifest();
            backups.add(new TargetStatus.Backup(m.id(), m.kind().id(), m.startTime(), m.endTime(), m.storedSize(),
                    e.verification() == null ? null : e.verification().ok() ? "ok" : "failed", m.tags(),
                    e.lastProven().map(DrillRecord::finishedAt).orElse(null), e.damage().orElse(null)));
            if (m.kind() == BackupKind.LOGICAL) {
                logical.add(m);
            } else if (m.physical() != null) {
                physical.computeIfAbsent(m.physical().timeline(), t -> new ArrayList<>()).add(m);
            }
        }
        List<TargetStatus.RestorableWindow> windows = new ArrayList<>();
        physical.forEach((timeline, list) -> windows.add(new TargetStatus.RestorableWindow(timeline,
                list.get(0).endTime(), list.get(list.size() - 1).endTime(),
                list.size() + " base backup(s); WAL archived since extends the end")));
        if (!logical.isEmpty()) {
            BackupManifest first = logical.get(0);
            BackupManifest last = logical.get(logical.size() - 1);
            windows.add(new TargetStatus.RestorableWindow(0, first.startTime(), last.startTime(),
                    logical.size() == 1 ? "1 logical backup: restores to the moment it was taken"
                            : logical.size() + " logical backups: restore to any of these moments, not between"));
        }
        List<DrillRecord> proven = new ArrayList<>();
        for (BackupKind kind : BackupKind.values()) {
            listing.lastProven(kind).ifPresent(proven::add);
        }
        Instant unprovenSince = listing.lastProven(null).map(DrillRecord::finishedAt)
                .orElse(entries.isEmpty() ? null : entries.get(0).manifest().endTime());
        return new TargetStatus(backups, windows, proven, listing.lastDrill().orElse(null),
                listing.lastVerified().orElse(null), unprovenSince);
    }
}
