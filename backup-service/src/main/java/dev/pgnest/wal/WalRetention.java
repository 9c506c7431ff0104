package dev.pgnest.wal;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Expiry of archived WAL: keeps everything from the oldest kept physical backup's start
 * segment on (every later backup and every recovery target after it needs it) and removes
 * what came before. Without a physical backup nothing is removed: WAL is never deleted on the
 * guess that no backup will want it. Run after backups were expired.
 */
public final class WalRetention {

    /** What expiry would remove or removed. */
    public record Outcome(Optional<String> keepFrom, int removed) {
    }

    private WalRetention() {
    }

    public static Outcome expire(Repository repository, WalArchive archive, boolean dryRun) {
        List<BackupManifest> physical = repository.catalog().backups(archive.target()).stream()
                .map(e -> e.manifest())
                .filter(m -> m.kind() == BackupKind.PHYSICAL && m.physical() != null)
                .toList();
        if (physical.isEmpty()) {
            return new Outcome(Optional.empty(), 0);
        }
        long segmentSize = archive.info().map(ArchiveInfo::segmentSize).orElse(WalSegment.DEFAULT_SIZE);
        WalSegment oldest = physical.stream()
                .map(m -> WalSegment.parse(m.physical().startWal(), segmentSize))
                .min(Comparator.comparingLong(WalSegment::number))
                .orElseThrow();
        int removed = dryRun ? archive.countBefore(oldest) : archive.expireBefore(oldest);
        return new Outcome(Optional.of(oldest.name(segmentSize)), removed);
    }
}
