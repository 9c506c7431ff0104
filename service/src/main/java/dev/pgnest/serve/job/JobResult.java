package dev.pgnest.serve.job;

/**
 * What a successful run did, for the job history, metrics and the status page.
 *
 * @param summary  one line for people, e.g. "backup 20250314-021500L, 1.2 GiB"
 * @param backupId the backup written (backups) or checked (verify, drill); null if none
 * @param bytes    bytes stored (backups), checked (verify) or restored (drill); 0 if none
 */
public record JobResult(String summary, String backupId, long bytes) {

    public static JobResult of(String summary) {
        return new JobResult(summary, null, 0);
    }

    public static JobResult backup(String backupId, long bytes, String summary) {
        return new JobResult(summary, backupId, bytes);
    }
}
