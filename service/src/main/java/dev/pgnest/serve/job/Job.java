package dev.pgnest.serve.job;

/**
 * One kind of work the service runs for a target: a logical or physical backup, expiry,
 * verification, a restore drill. The CLI wires the real implementations (the backup module's
 * backups, expiry and verify; restore-tool's drill, which this module cannot depend on).
 *
 * <p>Contract:
 * <ul>
 *   <li>Throw on failure; a {@link dev.pgnest.config.PgnestException}'s message is what the
 *       alert says, so make it name the problem and the fix. Never put a secret in it.</li>
 *   <li>Stop promptly when the running thread is interrupted (graceful shutdown past
 *       {@code serve.shutdown-timeout}): write no manifest, abort uploads, kill child
 *       processes, then throw. The service re-queues the run for another replica.</li>
 *   <li>Be safe to run again after a crash: a run whose replica died is re-run elsewhere
 *       ({@link JobContext#recovering()}), while its half-written backup is still there for
 *       {@code repo check} to remove.</li>
 * </ul>
 */
@FunctionalInterface
public interface Job {
    JobResult run(JobContext context) throws Exception;
}
