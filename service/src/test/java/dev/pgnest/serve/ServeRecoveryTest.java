package dev.pgnest.serve;

import static dev.pgnest.serve.ServeFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.schedule.JobHistory.Outcome;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.testing.ChildJvm;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A replica killed (SIGKILL) in the middle of a job: another replica runs the job again. */
@IntegrationTest
class ServeRecoveryTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3(ServeFixture.BUCKET);

    private static ServeFixture fx;

    @BeforeAll
    static void start() {
        fx = servers.closeAfterAll(new ServeFixture(servers.postgres(), servers.s3()));
    }

    @Test
    void killingTheReplicaRunningAJobHasTheOtherReplicaRunItAgain() throws Exception {
        DatabaseConnection store = fx.newJobStore();
        Instant fire = ServeFixture.nextSecondAfter(Duration.ofSeconds(6));
        Process child = startReplica(store, "doomed", "recovered", fire);
        List<String> childOutput = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    childOutput.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the child was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await("the job running in the doomed replica", Duration.ofSeconds(40),
                    () -> childOutput.stream().anyMatch(l -> l.startsWith("JOB STARTED")));
            Schedule sameSchedule = Schedule.of("recovered", JobKind.LOGICAL, "* * * * * ?").between(fire, fire.plusMillis(500));
            try (BackupService survivor = BackupService.builder(store).instanceId("survivor")
                    .schedulerOptions(ServeFixture.fastOptions()).monitorInterval(Duration.ofMillis(500))
                    .schedule(sameSchedule).job(JobKind.LOGICAL, fx.backupJob()).build()) {
                survivor.start();
                Thread.sleep(2_000);
                assertThat(fx.backups("recovered")).as("the survivor does not run a fire another replica runs").isEmpty();

                child.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to the cluster
                child.waitFor();

                await("the re-run by the survivor", Duration.ofSeconds(40), () -> fx.backups("recovered").size() == 1);
                await("both runs recorded", Duration.ofSeconds(10), () -> runs(survivor).size() == 2
                        && runs(survivor).stream().noneMatch(r -> r.outcome() == Outcome.running));
                List<JobRun> runs = runs(survivor);
                assertThat(runs.get(0).instance()).isEqualTo("doomed");
                assertThat(runs.get(0).outcome()).isEqualTo(Outcome.lost);
                assertThat(runs.get(1).instance()).isEqualTo("survivor");
                assertThat(runs.get(1).recovering()).isTrue();
                assertThat(runs.get(1).outcome()).isEqualTo(Outcome.succeeded);
                assertThat(runs.get(1).scheduledTime()).isEqualTo(fire);
                assertThat(fx.backups("recovered").get(0).key())
                        .isEqualTo("recovered/backups/" + ServeFixture.ID.format(fire) + "/survivor/dump.txt");
                assertThat(fx.read(fx.backups("recovered").get(0).key())).startsWith(fx.expectedChecksum());
            }
        } finally {
            child.destroyForcibly();
        }
    }

    private static List<JobRun> runs(BackupService service) {
        try {
            return service.history().runs("recovered", JobKind.LOGICAL);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static Process startReplica(DatabaseConnection store, String id, String target, Instant fire) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")),
                ReplicaMain.class.getName(), store.jdbcUrl(), store.user(), id, target, Long.toString(fire.toEpochMilli())));
        pb.environment().put("PGNEST_TEST_JOBSTORE_PASSWORD", store.password());
        pb.redirectErrorStream(true);
        return pb.start();
    }

}
