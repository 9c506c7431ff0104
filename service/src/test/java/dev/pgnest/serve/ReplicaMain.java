package dev.pgnest.serve;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.job.JobResult;
import dev.pgnest.serve.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;

/**
 * A replica in its own JVM, for the test that kills one mid-job: one fire of a schedule whose job
 * announces itself and then works "forever". Arguments: job store JDBC URL, user, instance id,
 * target, fire time (epoch ms). The job store password comes through PGNEST_TEST_JOBSTORE_PASSWORD.
 */
public final class ReplicaMain {
    private ReplicaMain() {
    }

    public static void main(String[] args) throws Exception {
        DatabaseConnection store = DatabaseConnection.parse(args[0], args[1], System.getenv("PGNEST_TEST_JOBSTORE_PASSWORD"));
        Instant fire = Instant.ofEpochMilli(Long.parseLong(args[4]));
        BackupService service = BackupService.builder(store)
                .instanceId(args[2])
                .schedulerOptions(ServeFixture.fastOptions())
                .schedule(Schedule.of(args[3], JobKind.LOGICAL, "* * * * * ?").between(fire, fire.plusMillis(500)))
                .job(JobKind.LOGICAL, ctx -> {
                    System.out.println("JOB STARTED " + ctx.scheduledTime());
                    System.out.flush();
                    Thread.sleep(Duration.ofMinutes(10).toMillis());
                    return JobResult.of("never");
                })
                .build();
        service.start();
        System.out.println("REPLICA UP");
        System.out.flush();
        service.awaitTermination();
    }
}
