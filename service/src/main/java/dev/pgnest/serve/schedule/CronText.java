package dev.pgnest.serve.schedule;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.quartz.CronExpression;

/**
 * Cron as operators write it, turned into Quartz's dialect: Unix cron with five fields
 * ({@code 0 2 * * *}), Quartz cron with seconds ({@code 0 0 2 * * ?}), or a shorthand
 * ({@code @hourly}, {@code @daily}, {@code @weekly}, {@code @monthly}).
 *
 * <p>Two dialect differences matter: Quartz has a seconds field, and it wants {@code ?} in one of
 * day-of-month / day-of-week (it cannot AND them as Vixie cron ORs them); Unix numbers
 * Sunday 0 (or 7), Quartz 1.
 */
public final class CronText {
    private CronText() {
    }

    /** The Quartz expression, or IllegalArgumentException with a reason the operator can act on. */
    public static String toQuartz(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("it is empty");
        }
        String t = text.trim();
        String quartz = switch (t.toLowerCase(Locale.ROOT)) {
            case "@hourly" -> "0 0 * * * ?";
            case "@daily", "@midnight" -> "0 0 0 * * ?";
            case "@weekly" -> "0 0 0 ? * SUN";
            case "@monthly" -> "0 0 0 1 * ?";
            default -> {
                if (t.startsWith("@")) {
                    throw new IllegalArgumentException("unknown shorthand " + t + " (use @hourly, @daily, @weekly or @monthly)");
                }
                String[] f = t.split("\\s+");
                if (f.length == 5) {
                    yield fromUnix(f);
                }
                if (f.length == 6 || f.length == 7) {
                    yield String.join(" ", f);
                }
                throw new IllegalArgumentException("it has " + f.length + " fields; Unix cron has 5, Quartz cron 6 or 7");
            }
        };
        try {
            new CronExpression(quartz);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return quartz;
    }

    private static String fromUnix(String[] f) {
        String minute = f[0];
        String hour = f[1];
        String dom = f[2];
        String month = f[3];
        String dow = unixDaysToQuartz(f[4]);
        if (dow.equals("*")) {
            dow = "?";
        } else if (dom.equals("*")) {
            dom = "?";
        } else {
            throw new IllegalArgumentException("it restricts both the day of the month and the day of the week, "
                    + "which Quartz cannot combine; keep one of them *");
        }
        return "0 " + minute + " " + hour + " " + dom + " " + month + " " + dow;
    }

    /** Unix numbers Sunday 0 or 7, Quartz 1..7 from Sunday; names (MON-FRI) mean the same in both. */
    private static String unixDaysToQuartz(String field) {
        if (field.equals("*")) {
            return field;
        }
        List<String> items = new ArrayList<>();
        for (String item : field.split(",")) {
            String[] baseAndStep = item.split("/", 2);
            String base = baseAndStep[0];
            String mapped;
            if (base.equals("*")) {
                mapped = base;
            } else {
                String[] range = base.split("-", 2);
                mapped = day(range[0]) + (range.length == 2 ? "-" + day(range[1]) : "");
            }
            items.add(baseAndStep.length == 2 ? mapped + "/" + baseAndStep[1] : mapped);
        }
        return String.join(",", items);
    }

    private static String day(String s) {
        if (!s.matches("\\d+")) {
            return s;
        }
        int n = Integer.parseInt(s);
        if (n > 7) {
            throw new IllegalArgumentException("day of week " + n + " is outside 0-7");
        }
        // Sunday is 0 or 7 in Unix cron; 7 is Saturday in Quartz, so name it
        return n == 0 || n == 7 ? "SUN" : Integer.toString(n + 1);
    }
}
