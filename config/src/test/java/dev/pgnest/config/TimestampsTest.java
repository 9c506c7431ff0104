package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The times operators copy during an incident, read exactly; and the ones refused, with the forms that work. */
class TimestampsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // ISO-8601, Z or an offset in every spelling
            "2026-12-06T03:15:31Z                 | 2026-12-06T03:15:31Z",
            "2026-12-06t03:15:31z                 | 2026-12-06T03:15:31Z",
            "2026-12-06T03:15:31+01:00            | 2026-12-06T02:15:31Z",
            "2026-12-06T03:15:31+0100             | 2026-12-06T02:15:31Z",
            "2026-12-06T03:15:31+01               | 2026-12-06T02:15:31Z",
            "2026-12-06T03:15:31-05:00            | 2026-12-06T08:15:31Z",
            "2026-12-06T03:15Z                    | 2026-12-06T03:15:00Z",
            "2026-12-06T03:15:31.123456789Z       | 2026-12-06T03:15:31.123456789Z",
            "2026-12-06T03:15:31,5Z               | 2026-12-06T03:15:31.5Z",
            // a space instead of T
            "2026-12-06 03:15:31Z                 | 2026-12-06T03:15:31Z",
            "2026-12-06 03:15:31.5+01:00          | 2026-12-06T02:15:31.5Z",
            // PostgreSQL's log, log_line_prefix = '%m'
            "2026-12-06 03:15:31.884 UTC          | 2026-12-06T03:15:31.884Z",
            "2026-12-06 03:15:31.884 GMT          | 2026-12-06T03:15:31.884Z",
            "2026-12-06 03:15:31 utc              | 2026-12-06T03:15:31Z",
            // psql's timestamptz output
            "2026-12-06 03:15:31.884792+00        | 2026-12-06T03:15:31.884792Z",
            "2026-12-06 03:15:31.884792-05        | 2026-12-06T08:15:31.884792Z",
            "2026-12-06 03:15:31.884792+05:30     | 2026-12-05T21:45:31.884792Z",
            "2026-12-06 03:15:31 +02              | 2026-12-06T01:15:31Z",
            // zone names
            "2026-12-06 03:15:31 Europe/Paris     | 2026-12-06T02:15:31Z",
            "2026-07-06 03:15:31 Europe/Paris     | 2026-07-06T01:15:31Z",
            "2026-12-06T03:15:31 America/New_York | 2026-12-06T08:15:31Z",
            "2026-12-06 03:15:31 Etc/UTC          | 2026-12-06T03:15:31Z",
            "'  2026-12-06T03:15:31Z  '           | 2026-12-06T03:15:31Z",
    })
    void readsEveryAcceptedFormExactly(String text, String instant) {
        assertThat(Timestamps.parse(text).toInstant()).isEqualTo(Instant.parse(instant));
    }

    @Test
    void keepsTheOffsetItWasWrittenWith() {
        assertThat(Timestamps.parse("2026-12-06 03:15:31.884792+05:30"))
                .isEqualTo(OffsetDateTime.of(2026, 12, 6, 3, 15, 31, 884_792_000, ZoneOffset.ofHoursMinutes(5, 30)));
        assertThat(Timestamps.parse("2026-12-06 03:15:31 Europe/Paris").getOffset()).isEqualTo(ZoneOffset.ofHours(1));
        assertThat(Timestamps.parse("2026-12-06 03:15:31.884 UTC").getOffset()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void aTimeWithoutAZoneIsRefusedWithTheAcceptedForms() {
        assertThatThrownBy(() -> Timestamps.parse("2026-12-06 03:15:31"))
                .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.USAGE))
                .hasMessage("'2026-12-06 03:15:31' has no time zone: add the zone it was written in, e.g. "
                        + "2026-12-06T03:15:31Z, 2026-12-06T03:15:31+01:00, '2026-12-06 03:15:31.884 UTC' (PostgreSQL log), "
                        + "'2026-12-06 03:15:31.884792+00' (psql) or '2026-12-06 03:15:31 Europe/Paris'");
        assertThatThrownBy(() -> Timestamps.parse("2026-12-06T03:15:31.884"))
                .hasMessageStartingWith("'2026-12-06T03:15:31.884' has no time zone: ");
    }

    @Test
    void abbreviationsOtherThanUtcAndGmtAreRefused() {
        for (String zone : new String[] {"CET", "EST", "IST", "CEST", "PST8PDT"}) {
            assertThatThrownBy(() -> Timestamps.parse("2026-12-06 03:15:31 " + zone))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageStartingWith("'2026-12-06 03:15:31 " + zone + "' has time zone '" + zone
                            + "', which is ambiguous or unknown: write UTC, an offset or a zone name instead")
                    .hasMessageEndingWith(Timestamps.FORMS);
        }
        assertThatThrownBy(() -> Timestamps.parse("2026-12-06 03:15:31 Mars/Olympus"))
                .hasMessageStartingWith("'2026-12-06 03:15:31 Mars/Olympus' names unknown time zone 'Mars/Olympus': ");
    }

    @Test
    void whatIsNotATimeIsRefusedWithTheAcceptedForms() {
        for (String text : new String[] {"yesterday", "", "2026-12-06", "2026-12-06 3:15Z", "03:15:31Z",
                "2026-12-06T03:15:31.1234567891Z", "1765000000"}) {
            assertThatThrownBy(() -> Timestamps.parse(text))
                    .isInstanceOf(PgnestException.class)
                    .hasMessage("'" + text + "' is not a time: write it as e.g. " + Timestamps.FORMS);
        }
        assertThatThrownBy(() -> Timestamps.parse("2026-13-06T03:15:31Z"))
                .hasMessageStartingWith("'2026-13-06T03:15:31Z' is not a time (Invalid value for MonthOfYear");
        assertThatThrownBy(() -> Timestamps.parse("2026-12-06T03:15:31+19"))
                .hasMessageStartingWith("'2026-12-06T03:15:31+19' has an offset out of range (+19)");
    }

    @Test
    void aLocalTimeADaylightSavingChangeSkipsOrRepeatsIsRefused() {
        assertThatThrownBy(() -> Timestamps.parse("2026-10-25 02:30:00 Europe/Paris"))
                .hasMessage("'2026-10-25 02:30:00 Europe/Paris' happened twice in Europe/Paris (the clocks went back): "
                        + "write it with the offset instead, e.g. 2026-10-25T02:30+02:00 or 2026-10-25T02:30+01:00");
        assertThatThrownBy(() -> Timestamps.parse("2026-03-29 02:30:00 Europe/Paris"))
                .hasMessage("'2026-03-29 02:30:00 Europe/Paris' does not exist in Europe/Paris (the clocks jumped forward): "
                        + "write it with the offset instead, e.g. 2026-03-29T02:30+01:00");
    }
}
