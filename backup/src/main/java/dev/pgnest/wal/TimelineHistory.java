package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A timeline's ancestry, as in its {@code NNNNNNNN.history} file: for every ancestor, the
 * location where WAL switched away from it. Timeline 1 has no history file.
 *
 * @param timeline the timeline this history describes
 * @param switches ancestors, oldest first; each ends at its switch point
 */
public record TimelineHistory(int timeline, List<Switch> switches) {

    /** One line of a history file: WAL of {@code parent} is valid up to {@code at} (exclusive). */
    public record Switch(int parent, Lsn at, String reason) {
    }

    public TimelineHistory {
        switches = List.copyOf(switches);
    }

    /** The history of timeline 1, which has no file. */
    public static TimelineHistory first() {
        return new TimelineHistory(1, List.of());
    }

    /**
     * Parses a history file: lines {@code parentTLI <tab> switchpoint <tab> reason}; blank lines
     * and {@code #} comments are ignored (PostgreSQL's {@code readTimeLineHistory}).
     */
    public static TimelineHistory parse(int timeline, String content) {
        List<Switch> switches = new ArrayList<>();
        int previousParent = 0;
        for (String raw : content.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 3);
            try {
                int parent = Integer.parseInt(fields[0]);
                if (parent <= previousParent || parent >= timeline) {
                    throw new NumberFormatException("timeline ids must increase and stay below " + timeline);
                }
                previousParent = parent;
                switches.add(new Switch(parent, Lsn.parse(fields[1]), fields.length > 2 ? fields[2] : ""));
            } catch (RuntimeException e) {
                throw new PgnestException(ErrorKind.INTEGRITY, "history file of timeline " + timeline
                        + " has an invalid line '" + line + "'",
                        "the archived " + WalFileName.historyName(timeline) + " is damaged; copy the server's pg_wal/"
                                + WalFileName.historyName(timeline) + " into the archive again");
            }
        }
        return new TimelineHistory(timeline, switches);
    }

    /** The file content PostgreSQL would write for this history. */
    public String format() {
        StringBuilder b = new StringBuilder();
        for (Switch s : switches) {
            b.append(s.parent()).append('\t').append(s.at()).append('\t').append(s.reason()).append('\n');
        }
        return b.toString();
    }

    /** Where this timeline begins: the last switch point, or zero for timeline 1. */
    public Lsn begin() {
        return switches.isEmpty() ? Lsn.ZERO : switches.get(switches.size() - 1).at();
    }

    /** Whether {@code other} is this timeline or one of its ancestors. */
    public boolean descendsFrom(int other) {
        return other == timeline || switches.stream().anyMatch(s -> s.parent() == other);
    }

    /**
     * Where this timeline's ancestry leaves {@code ancestor}: WAL of {@code ancestor} belongs to
     * this timeline's history only before that location. Empty when {@code ancestor} is not an
     * ancestor (or is this timeline itself).
     */
    public Optional<Lsn> switchPointOff(int ancestor) {
        return switches.stream().filter(s -> s.parent() == ancestor).map(Switch::at).findFirst();
    }

    /**
     * The timeline recovery reads segment {@code number} from when following this history: the
     * newest timeline whose first segment is at or before it (as PostgreSQL's
     * {@code XLogFileReadAnyTLI} does). The segment holding a switch point therefore comes from
     * the new timeline, which carries a copy of the old WAL up to the switch.
     */
    public int timelineOfSegment(long number, long segmentSize) {
        int tli = timeline;
        Lsn begin = begin();
        for (int i = switches.size() - 1; i >= 0; i--) {
            if (Long.divideUnsigned(begin.value(), segmentSize) <= number) {
                return tli;
            }
            tli = switches.get(i).parent();
            begin = i == 0 ? Lsn.ZERO : switches.get(i - 1).at();
        }
        return tli;
    }
}
