package dev.pgnest.serve.job;

import java.time.Instant;

/**
 * One run of a {@link Job}.
 *
 * @param target        the configured target it runs for
 * @param kind          what it is
 * @param scheduledTime when the schedule said it should run (a late or recovered run is later)
 * @param recovering    re-run because the replica that had started it died
 * @param instanceId    the replica running it
 */
public record JobContext(String target, JobKind kind, Instant scheduledTime, boolean recovering, String instanceId) {

    /** Throws InterruptedException when the service asked the job to stop (shutdown). */
    public void checkInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException(kind.label() + " of " + target + " aborted: pgnest serve is shutting down");
        }
    }
}
