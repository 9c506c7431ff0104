package dev.pgnest.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.schedule.CronText;
import dev.pgnest.serve.schedule.Schedule;
import org.junit.jupiter.api.Test;

class CronTextTest {

    @Test
    void unixCronGetsSecondsAndAQuestionMarkForTheUnusedDayField() {
        assertThat(CronText.toQuartz("0 2 * * *")).isEqualTo("0 0 2 * * ?");
        assertThat(CronText.toQuartz("30 3 1 * *")).isEqualTo("0 30 3 1 * ?");
        assertThat(CronText.toQuartz("*/15 * * * *")).isEqualTo("0 */15 * * * ?");
    }

    @Test
    void unixWeekdayNumbersBecomeQuartzOnes() {
        assertThat(CronText.toQuartz("0 2 * * 1-5")).isEqualTo("0 0 2 ? * 2-6");
        assertThat(CronText.toQuartz("0 2 * * 0")).isEqualTo("0 0 2 ? * SUN");
        assertThat(CronText.toQuartz("0 2 * * 7")).isEqualTo("0 0 2 ? * SUN");
        assertThat(CronText.toQuartz("0 2 * * MON,WED")).isEqualTo("0 0 2 ? * MON,WED");
    }

    @Test
    void quartzCronAndShorthandsPassThrough() {
        assertThat(CronText.toQuartz("0 0 2 * * ?")).isEqualTo("0 0 2 * * ?");
        assertThat(CronText.toQuartz("* * * * * ?")).isEqualTo("* * * * * ?");
        assertThat(CronText.toQuartz("@daily")).isEqualTo("0 0 0 * * ?");
        assertThat(CronText.toQuartz("@hourly")).isEqualTo("0 0 * * * ?");
    }

    @Test
    void aBadScheduleNamesTheSettingTheTargetAndTheFix() {
        assertThatThrownBy(() -> Schedule.of("main", JobKind.PHYSICAL, "every night"))
                .isInstanceOf(PgnestException.class)
                .hasMessage("schedule.physical of target 'main' is not a cron expression ('every night': it has 2 fields; "
                        + "Unix cron has 5, Quartz cron 6 or 7): write it like 0 2 * * * (Unix cron), "
                        + "0 0 2 * * ? (Quartz cron, with seconds) or @daily");
        assertThatThrownBy(() -> Schedule.of("main", JobKind.LOGICAL, "0 2 1 * 1"))
                .hasMessageContaining("restricts both the day of the month and the day of the week");
        assertThatThrownBy(() -> Schedule.of("main", JobKind.LOGICAL, "0 25 * * *"))
                .hasMessageStartingWith("schedule.logical of target 'main' is not a cron expression ('0 25 * * *': ");
    }
}
