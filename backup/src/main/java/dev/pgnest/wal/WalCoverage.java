package dev.pgnest.wal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Which WAL segments an archive holds, as contiguous ranges, and what is missing in between. */
public final class WalCoverage {

    /** Consecutive segments {@code first..last} (inclusive) of one timeline. */
    public record Range(WalSegment first, WalSegment last) {
        public Range {
            if (first.timeline() != last.timeline() || first.number() > last.number()) {
                throw new IllegalArgumentException("not a range: " + first + ".." + last);
            }
        }

        public long count() {
            return last.number() - first.number() + 1;
        }

        public boolean contains(WalSegment s) {
            return s.timeline() == first.timeline() && s.number() >= first.number() && s.number() <= last.number();
        }

        public String format(long segmentSize) {
            return first.equals(last) ? first.name(segmentSize) : first.name(segmentSize) + ".." + last.name(segmentSize);
        }
    }

    private WalCoverage() {
    }

    /** Present segments grouped by timeline, as maximal ranges in order. */
    public static Map<Integer, List<Range>> ranges(Collection<WalSegment> present) {
        Map<Integer, List<Range>> byTimeline = new TreeMap<>();
        WalSegment first = null;
        WalSegment previous = null;
        for (WalSegment s : new TreeSet<>(present)) {
            if (previous != null && (s.timeline() != previous.timeline() || s.number() != previous.number() + 1)) {
                byTimeline.computeIfAbsent(first.timeline(), t -> new ArrayList<>()).add(new Range(first, previous));
                first = null;
            }
            if (first == null) {
                first = s;
            }
            previous = s;
        }
        if (first != null) {
            byTimeline.computeIfAbsent(first.timeline(), t -> new ArrayList<>()).add(new Range(first, previous));
        }
        return byTimeline;
    }

    /** The holes between consecutive ranges of each timeline. */
    public static List<Range> gapsWithinTimelines(Collection<WalSegment> present) {
        List<Range> gaps = new ArrayList<>();
        for (List<Range> ranges : ranges(present).values()) {
            for (int i = 1; i < ranges.size(); i++) {
                gaps.add(new Range(ranges.get(i - 1).last().next(), ranges.get(i).first().plus(-1)));
            }
        }
        return gaps;
    }

    /**
     * Segments that replay from {@code from} up to segment number {@code toNumber} would need,
     * following {@code history} across timeline switches, and that are not {@code present}.
     */
    public static List<Range> missing(Set<WalSegment> present, WalSegment from, long toNumber,
                                      TimelineHistory history, long segmentSize) {
        List<Range> missing = new ArrayList<>();
        WalSegment gapStart = null;
        WalSegment gapEnd = null;
        for (long n = from.number(); n <= toNumber; n++) {
            int tli = history.timelineOfSegment(n, segmentSize);
            WalSegment needed = new WalSegment(tli, n);
            boolean absent = !present.contains(needed);
            if (absent && gapStart != null && gapEnd.timeline() == tli) {
                gapEnd = needed;
            } else {
                if (gapStart != null) {
                    missing.add(new Range(gapStart, gapEnd));
                    gapStart = null;
                }
                if (absent) {
                    gapStart = needed;
                    gapEnd = needed;
                }
            }
        }
        if (gapStart != null) {
            missing.add(new Range(gapStart, gapEnd));
        }
        return missing;
    }
}
