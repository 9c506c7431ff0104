package dev.pgnest.wal;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pgnest wal check}: what the archive covers per timeline, where it has holes, and for
 * each physical backup how far it can be recovered.
 */
public final class WalCheck {

    /** One timeline's segments as contiguous ranges. */
    public record TimelineCoverage(int timeline, List<WalCoverage.Range> ranges, long segments, boolean hasHistory) {
    }

    /**
     * How far a backup can be recovered: from its start segment, the last segment reachable
     * without a hole (following timeline switches), and whether that reaches its stop segment
     * (without which the backup cannot be restored at all).
     *
     * @param consistentAt      where the backup becomes consistent (its stop LSN): the window's start
     * @param reachableArchived when the last reachable segment was archived: no WAL in the window is later
     * @param endsAtGap         the archive holds later segments of that timeline: a hole ends the window
     */
    public record BackupWindow(String backupId, WalSegment start, WalSegment stop, Lsn consistentAt,
                               Optional<WalSegment> reachable, Optional<Instant> reachableArchived, boolean endsAtGap) {
        public boolean restorable() {
            return reachable.isPresent() && reachable.get().number() >= stop.number();
        }

        /** The end of the window: the end of the last reachable segment, when the backup is restorable. */
        public Optional<Lsn> restorableTo(long segmentSize) {
            return restorable() ? reachable.map(s -> s.endLsn(segmentSize)) : Optional.empty();
        }
    }

    /** The report; {@link #healthy()} when there is no hole and every backup is restorable. */
    public record Report(String target, long segmentSize, long storedBytes, List<TimelineCoverage> timelines,
                         List<WalCoverage.Range> gaps, List<Integer> timelinesWithoutHistory,
                         List<BackupWindow> backups) {
        public boolean healthy() {
            return gaps.isEmpty() && timelinesWithoutHistory.isEmpty() && backups.stream().allMatch(BackupWindow::restorable);
        }
    }

    /** A physical backup to evaluate: its id, start and stop segment names, and stop LSN (null when unknown). */
    public record BackupRef(String id, String startWal, String stopWal, String stopLsn) {
        public static BackupRef of(BackupManifest manifest) {
            BackupManifest.PhysicalInfo p = manifest.physical();
            return new BackupRef(manifest.id(), p.startWal(), p.stopWal(), p.stopLsn());
        }

        /** The physical backups among {@code manifests}. */
        public static List<BackupRef> physical(List<BackupManifest> manifests) {
            return manifests.stream().filter(m -> m.kind() == BackupKind.PHYSICAL && m.physical() != null)
                    .map(BackupRef::of).toList();
        }
    }

    private WalCheck() {
    }

    public static Report run(WalArchive archive, List<BackupRef> backups) {
        WalArchive.Contents contents = archive.contents();
        long size = contents.segmentSize();
        List<TimelineCoverage> timelines = new ArrayList<>();
        Map<Integer, List<WalCoverage.Range>> ranges = contents.ranges();
        List<Integer> withoutHistory = new ArrayList<>();
        for (int tli : contents.timelines()) {
            List<WalCoverage.Range> r = ranges.getOrDefault(tli, List.of());
            boolean history = tli == 1 || contents.histories().contains(tli);
            if (!history) {
                withoutHistory.add(tli);
            }
            timelines.add(new TimelineCoverage(tli, r, r.stream().mapToLong(WalCoverage.Range::count).sum(), history));
        }
        List<BackupWindow> windows = windows(archive, contents, backups);
        return new Report(archive.target(), size, contents.storedBytes(), timelines,
                WalCoverage.gapsWithinTimelines(contents.segments()), withoutHistory, windows);
    }

    /** Each backup's window over the archive's {@code contents}. */
    public static List<BackupWindow> windows(WalArchive archive, WalArchive.Contents contents, List<BackupRef> backups) {
        long size = contents.segmentSize();
        List<BackupWindow> windows = new ArrayList<>();
        for (BackupRef b : backups) {
            WalSegment start = WalSegment.parse(b.startWal(), size);
            WalSegment stop = WalSegment.parse(b.stopWal(), size);
            Lsn consistentAt = b.stopLsn() == null ? stop.startLsn(size) : Lsn.parse(b.stopLsn());
            Optional<WalSegment> reachable = reachable(archive, contents, start, consistentAt);
            boolean endsAtGap = reachable.isPresent() && contents.segments().stream().anyMatch(s ->
                    s.timeline() == reachable.get().timeline() && s.number() > reachable.get().number());
            windows.add(new BackupWindow(b.id(), start, stop, consistentAt, reachable,
                    reachable.map(contents.archivedAt()::get), endsAtGap));
        }
        return windows;
    }

    private static Optional<WalSegment> reachable(WalArchive archive, WalArchive.Contents contents, WalSegment start,
                                                  Lsn consistentAt) {
        try {
            return archive.reachableFrom(contents, start, consistentAt);
        } catch (RuntimeException e) {
            return Optional.empty(); // a damaged history file: not restorable until it is repaired
        }
    }
}
