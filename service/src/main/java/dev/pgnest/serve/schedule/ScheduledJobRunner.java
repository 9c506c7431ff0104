package dev.pgnest.serve.schedule;

import dev.pgnest.serve.job.JobKind;
import java.time.Instant;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.InterruptableJob;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;

/**
 * The one Quartz job class: job key {@code <kind>} in group {@code <target>}. Non-concurrent, so
 * a backup that overruns its next fire time is not started twice (across replicas too: the JDBC
 * store blocks the trigger). Interruptible: graceful shutdown interrupts its thread.
 */
@DisallowConcurrentExecution
public final class ScheduledJobRunner implements InterruptableJob {
    private final JobDispatcher dispatcher;
    private volatile Thread thread;

    ScheduledJobRunner(JobDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void execute(JobExecutionContext context) {
        JobKey key = context.getJobDetail().getKey();
        Instant scheduled = context.getScheduledFireTime().toInstant();
        if (context.isRecovering()) {
            // a recovery trigger fires now; the run it replaces was scheduled then
            Object original = context.getMergedJobDataMap().get(
                    Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS);
            if (original != null) {
                scheduled = Instant.ofEpochMilli(Long.parseLong(original.toString()));
            }
        }
        thread = Thread.currentThread();
        try {
            dispatcher.run(JobKind.parse(key.getName()), key.getGroup(), scheduled, context.isRecovering(),
                    context.getFireInstanceId());
        } finally {
            thread = null;
            Thread.interrupted(); // the pool thread goes back clean
        }
    }

    @Override
    public void interrupt() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
