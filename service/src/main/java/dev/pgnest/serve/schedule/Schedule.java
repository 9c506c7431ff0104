package dev.pgnest.serve.schedule;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Setting;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.serve.job.JobKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One scheduled job: a kind of work for a target, on a cron.
 *
 * @param target the configured target
 * @param kind   what runs
 * @param text   the cron as configured (shown on the status page)
 * @param cron   the same in Quartz's dialect
 * @param from   no fire before this instant; null: from when it is stored (bounded runs, e.g. tests)
 * @param until  no fire after this instant; null: forever
 */
public record Schedule(String target, JobKind kind, String text, String cron, Instant from, Instant until) {

    /** Parses {@code text}; a bad cron is a configuration error naming the setting. */
    public static Schedule of(String target, JobKind kind, String text) {
        try {
            return new Schedule(target, kind, text.trim(), CronText.toQuartz(text), null, null);
        } catch (IllegalArgumentException e) {
            throw new PgnestException(ErrorKind.CONFIG,
                    "schedule." + kind.id() + " of target '" + target + "' is not a cron expression ('" + text + "': "
                            + e.getMessage() + ")",
                    "write it like 0 2 * * * (Unix cron), 0 0 2 * * ? (Quartz cron, with seconds) or @daily");
        }
    }

    /** The same cron, firing only within {@code [start, end]}. */
    public Schedule between(Instant start, Instant end) {
        return new Schedule(target, kind, text, cron, start, end);
    }

    /** The same cron, firing until {@code end}. */
    public Schedule until(Instant end) {
        return new Schedule(target, kind, text, cron, from, end);
    }

    /** Every schedule.* setting of every configured target. */
    public static List<Schedule> fromConfig(PgnestConfig config) {
        List<Schedule> all = new ArrayList<>();
        for (Map.Entry<String, SettingValues> t : config.targets().entrySet()) {
            for (JobKind kind : JobKind.values()) {
                t.getValue().get(setting(kind)).filter(s -> !s.isBlank())
                        .ifPresent(text -> all.add(of(t.getKey(), kind, text)));
            }
        }
        return all;
    }

    /** The setting holding a kind's cron. */
    public static Setting<String> setting(JobKind kind) {
        return switch (kind) {
            case LOGICAL -> Settings.SCHEDULE_LOGICAL;
            case PHYSICAL -> Settings.SCHEDULE_PHYSICAL;
            case PHYSICAL_DIFF -> Settings.SCHEDULE_PHYSICAL_DIFF;
            case PHYSICAL_INCR -> Settings.SCHEDULE_PHYSICAL_INCR;
            case EXPIRE -> Settings.SCHEDULE_EXPIRE;
            case VERIFY -> Settings.SCHEDULE_VERIFY;
            case DRILL -> Settings.SCHEDULE_DRILL;
        };
    }
}
