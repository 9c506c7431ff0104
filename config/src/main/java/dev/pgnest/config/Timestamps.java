package dev.pgnest.config;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser for a point in time an operator types: every option that takes a time uses it.
 * It reads what gets copied during an incident:
 * <ul>
 * <li>ISO-8601: {@code 2026-12-06T03:15:31Z}, {@code 2026-12-06T03:15:31+01:00} (also {@code +0100}, {@code +01});
 * <li>PostgreSQL's log ({@code log_line_prefix = '%m'}): {@code 2026-12-06 03:15:31.884 UTC} (or {@code GMT});
 * <li>psql's timestamptz output: {@code 2026-12-06 03:15:31.884792+00}, {@code -05}, {@code +05:30};
 * <li>a zone name: {@code 2026-12-06 03:15:31 Europe/Paris}.
 * </ul>
 * A space may replace the {@code T}; seconds and up to nine fractional digits are optional. A time
 * without a zone is refused: at 3 a.m. nobody should have to guess which zone the server, the
 * laptop and the log viewer agree on. So are abbreviations other than UTC and GMT (CET, EST, IST
 * mean different things in different places) and local times a daylight-saving change makes
 * ambiguous or skips.
 */
public final class Timestamps {
    private Timestamps() {
    }

    /** The accepted forms, as every refusal shows them. */
    public static final String FORMS = "2026-12-06T03:15:31Z, 2026-12-06T03:15:31+01:00, "
            + "'2026-12-06 03:15:31.884 UTC' (PostgreSQL log), '2026-12-06 03:15:31.884792+00' (psql) "
            + "or '2026-12-06 03:15:31 Europe/Paris'";

    private static final Pattern TIMESTAMP = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt]|\\s+)(\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?(?:\\s*([A-Za-z+-].*))?");
    private static final Pattern OFFSET = Pattern.compile("([+-])(\\d{2})(?::?(\\d{2}))?");
    private static final Pattern REGION = Pattern.compile("[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+");
    private static final List<String> UTC = List.of("Z", "UTC", "GMT");

    /**
     * The time {@code text} names, with the offset it was written with (a zone name's offset at
     * that time; UTC for Z, UTC and GMT).
     *
     * @throws PgnestException (usage) whose problem starts with the value in quotes, so that a
     *                         caller can put the option or setting in front
     */
    public static OffsetDateTime parse(String text) {
        String s = text == null ? "" : text.strip();
        Matcher m = TIMESTAMP.matcher(s);
        if (!m.matches()) {
            throw refused(text, "is not a time", "write it as e.g. " + FORMS);
        }
        LocalDateTime local;
        try {
            String fraction = m.group(7) == null ? "" : m.group(7);
            local = LocalDateTime.of(number(m.group(1)), number(m.group(2)), number(m.group(3)),
                    number(m.group(4)), number(m.group(5)), m.group(6) == null ? 0 : number(m.group(6)),
                    fraction.isEmpty() ? 0 : number((fraction + "00000000").substring(0, 9)));
        } catch (DateTimeException e) {
            throw refused(text, "is not a time (" + e.getMessage() + ")", "write it as e.g. " + FORMS);
        }
        String zone = m.group(8);
        if (zone == null) {
            throw refused(text, "has no time zone", "add the zone it was written in, e.g. " + FORMS);
        }
        if (UTC.contains(zone.toUpperCase(Locale.ROOT))) {
            return local.atOffset(ZoneOffset.UTC);
        }
        Matcher offset = OFFSET.matcher(zone);
        if (offset.matches()) {
            int sign = offset.group(1).equals("-") ? -1 : 1;
            try {
                return local.atOffset(ZoneOffset.ofHoursMinutes(sign * number(offset.group(2)),
                        sign * (offset.group(3) == null ? 0 : number(offset.group(3)))));
            } catch (DateTimeException e) {
                throw refused(text, "has an offset out of range (" + zone + ")", "offsets run from -18:00 to +18:00, e.g. " + FORMS);
            }
        }
        if (!REGION.matcher(zone).matches()) {
            throw refused(text, "has time zone '" + zone + "', which is ambiguous or unknown",
                    "write UTC, an offset or a zone name instead (abbreviations such as CET or EST are not read), e.g. " + FORMS);
        }
        ZoneId region;
        try {
            region = ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw refused(text, "names unknown time zone '" + zone + "'", "write UTC, an offset or a zone name, e.g. " + FORMS);
        }
        List<ZoneOffset> valid = region.getRules().getValidOffsets(local);
        if (valid.size() != 1) {
            String at = local.toString();
            throw refused(text, valid.isEmpty()
                            ? "does not exist in " + zone + " (the clocks jumped forward)"
                            : "happened twice in " + zone + " (the clocks went back)",
                    "write it with the offset instead, e.g. " + at + (valid.isEmpty()
                            ? region.getRules().getOffset(local.minusHours(3))
                            : valid.get(0) + " or " + at + valid.get(1)));
        }
        return local.atOffset(valid.get(0));
    }

    private static int number(String digits) {
        return Integer.parseInt(digits);
    }

    private static PgnestException refused(String text, String problem, String hint) {
        return new PgnestException(ErrorKind.USAGE, "'" + text + "' " + problem, hint);
    }
}
