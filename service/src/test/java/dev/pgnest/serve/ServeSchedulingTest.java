package dev.pgnest.serve;

import static dev.pgnest.serve.ServeFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.schedule.JobHistory.Outcome;
import dev.pgnest.serve.schedule.QuartzScheduler;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduler on a real job store: fires, clustering, misfires, graceful shutdown. */
@IntegrationTest
class ServeSchedulingTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3(ServeFixture.BUCKET);

    private static ServeFixture fx;

    @BeforeAll
    static void start() {
        fx = servers.closeAfterAll(new ServeFixture(servers.postgres(), servers.s3()));
    }

    @Test
    void aCronFireProducesABackupInTheRepository() throws Exception {
        Instant first = ServeFixture.nextSecondAfter(Duration.ofSeconds(4));
        try (BackupService service = BackupService.builder(fx.newJobStore())
                .instanceId("solo")
                .schedulerOptions(ServeFixture.fastOptions())
                .schedule(Schedule.of("cronfire", JobKind.LOGICAL, "* * * * * ?").between(first, first.plusMillis(500)))
                .job(JobKind.LOGICAL, fx.backupJob())
                .build()) {
            service.start();
            await("one backup", Duration.ofSeconds(20), () -> fx.backups("cronfire").size() == 1);

            ObjectInfo backup = fx.backups("cronfire").get(0);
            assertThat(backup.key()).isEqualTo("cronfire/backups/" + ServeFixture.ID.format(first) + "/solo/dump.txt");
            assertThat(fx.read(backup.key())).startsWith(fx.expectedChecksum() + "\n");
            await("the run recorded", Duration.ofSeconds(10),
                    () -> runs(service, "cronfire").stream().anyMatch(r -> r.outcome() == Outcome.succeeded));
            JobRun run = runs(service, "cronfire").get(0);
            assertThat(run.scheduledTime()).isEqualTo(first);
            assertThat(run.instance()).isEqualTo("solo");
            assertThat(run.bytes()).isEqualTo(backup.size());
        }
    }

    @Test
    void twoReplicasOnOneJobStoreRunTwentyFiresExactlyOnceEach() throws Exception {
        var store = fx.newJobStore();
        Instant first = ServeFixture.nextSecondAfter(Duration.ofSeconds(3));
        Schedule everySecond = Schedule.of("pair", JobKind.LOGICAL, "* * * * * ?").between(first, first.plusMillis(19_500));
        try (BackupService a = replica(store, "replica-a", everySecond);
             BackupService b = replica(store, "replica-b", everySecond)) {
            a.start();
            b.start();
            await("20 runs", Duration.ofSeconds(60), () -> runs(a, "pair").stream()
                    .filter(r -> r.outcome() != Outcome.running).count() >= 20);
            Thread.sleep(2_000); // a 21st run would show up by now

            List<ObjectInfo> backups = fx.backups("pair");
            assertThat(backups).hasSize(20);
            Set<String> fireTimes = backups.stream().map(o -> o.key().split("/")[2]).collect(Collectors.toSet());
            Set<String> expected = java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> ServeFixture.ID.format(first.plusSeconds(i))).collect(Collectors.toSet());
            assertThat(fireTimes).isEqualTo(expected);
            List<JobRun> runs = runs(a, "pair");
            assertThat(runs).hasSize(20).allMatch(r -> r.outcome() == Outcome.succeeded);
            assertThat(runs.stream().map(JobRun::instance).collect(Collectors.toSet()))
                    .isSubsetOf(Set.of("replica-a", "replica-b"));
        }
    }

    @Test
    void fireTimesMissedWhileEveryReplicaWasDownRunOnceOnReturn() throws Exception {
        var store = fx.newJobStore();
        // three fire times, all inside the downtime below
        ZonedDateTime t = ServeFixture.nextSecondAfter(Duration.ofSeconds(3)).atZone(ZoneOffset.UTC);
        String cron = t.getSecond() + "," + t.plusSeconds(1).getSecond() + "," + t.plusSeconds(2).getSecond()
                + " " + t.getMinute() + "-" + t.plusSeconds(2).getMinute() + " " + t.getHour() + " * * ?";
        Schedule threeFires = Schedule.of("misfire", JobKind.LOGICAL, cron).until(t.plusSeconds(3).toInstant());
        var options = new QuartzScheduler.Options(2, 1_000, 1_000, 1_000);
        try (ServeFixture.WebhookReceiver hook = new ServeFixture.WebhookReceiver()) {
            BackupService first = BackupService.builder(store).instanceId("before").schedulerOptions(options)
                    .schedule(threeFires).job(JobKind.LOGICAL, fx.backupJob()).build();
            first.start();
            first.close(); // stored the schedule, then went away before its fire times

            Thread.sleep(Duration.between(Instant.now(), t.plusSeconds(5).toInstant()).toMillis());
            try (BackupService back = BackupService.builder(store).instanceId("after").schedulerOptions(options)
                    .schedule(threeFires).job(JobKind.LOGICAL, fx.backupJob())
                    .alerts(dev.pgnest.serve.alert.Alerts.withWebhook(hook.url(), "json")).build()) {
                back.start();
                await("the catch-up run", Duration.ofSeconds(20), () -> runs(back, "misfire").stream()
                        .anyMatch(r -> r.outcome() == Outcome.succeeded));
                Thread.sleep(3_000);
                assertThat(runs(back, "misfire")).hasSize(1);
                assertThat(fx.backups("misfire")).hasSize(1);
                String alert = hook.bodies.poll(10, TimeUnit.SECONDS);
                assertThat(alert).contains("\"alert\":\"missed_schedule\"").contains("\"target\":\"misfire\"")
                        .contains("\"kind\":\"logical\"");
            }
        }
    }

    @Test
    void shutdownAbortsARunPastTheTimeoutAndAnotherReplicaRunsItAgain() throws Exception {
        var store = fx.newJobStore();
        CountDownLatch firstRunStarted = new CountDownLatch(1);
        List<Boolean> interrupted = new java.util.concurrent.CopyOnWriteArrayList<>();
        Job slowOnFirstReplica = ctx -> {
            if (ctx.instanceId().equals("stopping")) {
                firstRunStarted.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.add(true);
                    throw e; // what a real backup does: no manifest, uploads aborted
                }
            }
            return fx.backupJob().run(ctx);
        };
        Instant fire = ServeFixture.nextSecondAfter(Duration.ofSeconds(4));
        Schedule once = Schedule.of("shutdown", JobKind.LOGICAL, "* * * * * ?").between(fire, fire.plusMillis(500));
        BackupService stopping = BackupService.builder(store).instanceId("stopping")
                .schedulerOptions(ServeFixture.fastOptions()).shutdownTimeout(Duration.ofSeconds(1))
                .schedule(once).job(JobKind.LOGICAL, slowOnFirstReplica).build();
        stopping.start();
        assertThat(firstRunStarted.await(20, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        stopping.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        assertThat(interrupted).containsExactly(true);
        assertThat(fx.backups("shutdown")).isEmpty();

        try (BackupService other = BackupService.builder(store).instanceId("other")
                .schedulerOptions(ServeFixture.fastOptions()).schedule(once)
                .job(JobKind.LOGICAL, slowOnFirstReplica).build()) {
            other.start();
            await("the re-run", Duration.ofSeconds(20), () -> fx.backups("shutdown").size() == 1);
            await("its record", Duration.ofSeconds(10), () -> runs(other, "shutdown").size() == 2
                    && runs(other, "shutdown").get(1).outcome() == Outcome.succeeded);
            List<JobRun> runs = runs(other, "shutdown");
            assertThat(runs.get(0).outcome()).isEqualTo(Outcome.aborted);
            assertThat(runs.get(0).instance()).isEqualTo("stopping");
            assertThat(runs.get(1).instance()).isEqualTo("other");
        }
    }

    private static BackupService replica(dev.pgnest.config.DatabaseConnection store, String id, Schedule s) {
        return BackupService.builder(store).instanceId(id).schedulerOptions(ServeFixture.fastOptions())
                .schedule(s).job(JobKind.LOGICAL, fx.backupJob()).build();
    }

    private static List<JobRun> runs(BackupService service, String target) {
        try {
            return service.history().runs(target, JobKind.LOGICAL);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }
}
