package dev.pgnest.serve.schedule;

import dev.pgnest.serve.job.JobKind;
import java.time.Instant;

/** Runs one fire of a schedule on the calling (Quartz worker) thread; never throws. */
public interface JobDispatcher {
    void run(JobKind kind, String target, Instant scheduledTime, boolean recovering, String fireId);
}
