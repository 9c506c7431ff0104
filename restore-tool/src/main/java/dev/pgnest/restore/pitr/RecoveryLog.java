package dev.pgnest.restore.pitr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server log (with {@code lc_messages=C}) says about an archive recovery. PostgreSQL
 * reports the target it stopped at, the WAL it restored and a recovery that ran out of WAL
 * only there, so pgnest reads it rather than guessing from the outside.
 *
 * @param stopLine         PostgreSQL's own words on where it stopped
 *                         ({@code recovery stopping before commit of transaction 812, time …})
 * @param endedBeforeTarget whether recovery ran out of WAL before reaching its target (PostgreSQL 13+ says so and exits)
 * @param newTimeline      the timeline chosen at promotion
 * @param restoredWal      WAL segment files restored from the archive, in order (no history files)
 * @param consistentAt     where the restored files became consistent
 * @param redoDoneAt       the end of the replayed WAL
 * @param pausedAtTarget   whether the server paused at the target ({@code recovery_target_action = pause})
 * @param problems         FATAL and PANIC messages
 */
record RecoveryLog(Optional<String> stopLine, boolean endedBeforeTarget, OptionalInt newTimeline,
                   List<String> restoredWal, Optional<String> consistentAt, Optional<String> redoDoneAt,
                   boolean pausedAtTarget, List<String> problems) {

    private static final Pattern MESSAGE = Pattern.compile("^.*?\\b(LOG|FATAL|PANIC|ERROR|WARNING|DETAIL|HINT):\\s+(.*)$");
    private static final Pattern RESTORED = Pattern.compile("^restored log file \"([0-9A-F]{24})\" from archive$");
    private static final Pattern NEW_TIMELINE = Pattern.compile("^selected new timeline ID: (\\d+)$");
    private static final Pattern CONSISTENT = Pattern.compile("^consistent recovery state reached at ([0-9A-F]+/[0-9A-F]+)$");
    private static final Pattern REDO_DONE = Pattern.compile("^redo done at ([0-9A-F]+/[0-9A-F]+).*$");

    static RecoveryLog parse(String log) {
        String stop = null;
        boolean endedEarly = false;
        OptionalInt timeline = OptionalInt.empty();
        List<String> restored = new ArrayList<>();
        String consistent = null;
        String redoDone = null;
        boolean paused = false;
        List<String> problems = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = MESSAGE.matcher(line.stripTrailing());
            if (!m.matches()) {
                continue;
            }
            String level = m.group(1);
            String text = m.group(2);
            if (text.startsWith("recovery stopping ")) {
                stop = text;
            } else if (text.startsWith("recovery ended before configured recovery target was reached")) {
                endedEarly = true;
            } else if (text.startsWith("pausing at the end of recovery")) {
                paused = true;
            }
            Matcher r;
            if ((r = RESTORED.matcher(text)).matches()) {
                restored.add(r.group(1));
            } else if ((r = NEW_TIMELINE.matcher(text)).matches()) {
                timeline = OptionalInt.of(Integer.parseInt(r.group(1)));
            } else if ((r = CONSISTENT.matcher(text)).matches()) {
                consistent = r.group(1);
            } else if ((r = REDO_DONE.matcher(text)).matches()) {
                redoDone = r.group(1);
            }
            if (level.equals("FATAL") || level.equals("PANIC")) {
                problems.add(level + ": " + text);
            }
        }
        return new RecoveryLog(Optional.ofNullable(stop), endedEarly, timeline, List.copyOf(restored),
                Optional.ofNullable(consistent), Optional.ofNullable(redoDone), paused, List.copyOf(problems));
    }

    Optional<String> firstRestored() {
        return restoredWal.isEmpty() ? Optional.empty() : Optional.of(restoredWal.get(0));
    }

    Optional<String> lastRestored() {
        return restoredWal.isEmpty() ? Optional.empty() : Optional.of(restoredWal.get(restoredWal.size() - 1));
    }
}
