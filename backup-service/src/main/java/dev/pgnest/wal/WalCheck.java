package dev.pgnest.wal;

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
     */
    public record BackupWindow(String backupId, WalSegment start, WalSegment stop, Optional<WalSegment> reachable) {
        public boolean restorable() {
            return reachable.isPresent() && reachable.get().number() >= stop.number();
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

    /** A physical backup to evaluate: its id and its start and stop segment names. */
    public record BackupRef(String id, String startWal, String stopWal) {
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
        List<BackupWindow> windows = new ArrayList<>();
        for (BackupRef b : backups) {
            WalSegment start = WalSegment.parse(b.startWal(), size);
            WalSegment stop = WalSegment.parse(b.stopWal(), size);
            Optional<WalSegment> reachable;
            try {
                reachable = archive.reachableFrom(contents, start);
            } catch (RuntimeException e) {
                reachable = Optional.empty();
            }
            windows.add(new BackupWindow(b.id(), start, stop, reachable));
        }
        return new Report(archive.target(), size, contents.storedBytes(), timelines,
                WalCoverage.gapsWithinTimelines(contents.segments()), withoutHistory, windows);
    }
}
