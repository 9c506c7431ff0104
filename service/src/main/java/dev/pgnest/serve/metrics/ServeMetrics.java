package dev.pgnest.serve.metrics;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.schedule.JobHistory.KindSummary;
import dev.pgnest.serve.status.TargetStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus metrics of {@code /metrics}. Job metrics come from the shared job history, so
 * every replica reports the same values whichever one ran the job:
 * <pre>
 * pgnest_job_last_success_timestamp_seconds{target,kind}  end of the last successful run (unix time)
 * pgnest_job_last_duration_seconds{target,kind}           duration of the last successful run
 * pgnest_job_last_size_bytes{target,kind}                 bytes it stored (backups) or checked
 * pgnest_job_failures_total{target,kind}                  failed or lost runs
 * pgnest_job_runs_total{target,kind}                      all runs
 * pgnest_wal_archive_lag_segments{target}                 completed WAL segments not yet archived
 * pgnest_wal_archive_lag_seconds{target}                  how long they have waited
 * pgnest_wal_archive_failing{target}                      1 when the archiver's last attempt failed
 * pgnest_job_store_up                                     1 when the job store answered this scrape
 * pgnest_last_proven_restore_timestamp_seconds{target,kind} end of the last passed drill of a backup of that kind
 * pgnest_last_verified_timestamp_seconds{target}          when a backup last verified ok
 * </pre>
 * The last two come from the repository's records (whoever ran the drill or verification), as
 * last read by the service's monitor.
 */
public final class ServeMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ServeMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Callable<List<KindSummary>> history;
    private final Map<String, KindSummary> summaries = new ConcurrentHashMap<>();
    private final Map<String, WalLag> walLags;
    private final Map<String, TargetStatus> statuses;
    private volatile boolean storeUp;

    /**
     * @param history  reads the per-target, per-kind summaries (the job history)
     * @param walLags  the latest WAL lag measurement per target, kept up to date by the service
     * @param statuses the latest repository status per target, kept up to date by the service
     */
    public ServeMetrics(Callable<List<KindSummary>> history, Map<String, WalLag> walLags, Map<String, TargetStatus> statuses) {
        this.history = history;
        this.walLags = walLags;
        this.statuses = statuses;
        Gauge.builder("pgnest.job.store.up", this, m -> m.storeUp ? 1 : 0)
                .description("1 when the job store answered the last scrape").register(registry);
    }

    /** Refreshes from the job history and returns the Prometheus text exposition. */
    public synchronized String scrape() {
        refresh();
        return registry.scrape();
    }

    public String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    private void refresh() {
        try {
            for (KindSummary s : history.call()) {
                String key = s.target() + "\u0000" + s.kind().id();
                if (summaries.put(key, s) == null) {
                    registerJob(key, s.target(), s.kind());
                }
            }
            storeUp = true;
        } catch (Exception e) {
            storeUp = false;
            LOG.warn("metrics: cannot read the job history: {}", e.getMessage());
        }
        for (String target : walLags.keySet()) {
            registerWal(target);
        }
        for (String target : statuses.keySet()) {
            registerProof(target);
        }
    }

    private final Map<String, Boolean> proofRegistered = new ConcurrentHashMap<>();

    private void registerProof(String target) {
        if (proofRegistered.putIfAbsent(target, true) != null) {
            return;
        }
        for (BackupKind kind : BackupKind.values()) {
            Gauge.builder("pgnest.last.proven.restore.timestamp", statuses, m -> {
                        TargetStatus s = m.get(target);
                        return s == null ? Double.NaN : s.lastProven().stream()
                                .filter(d -> d.backup().kind().equals(kind.id()))
                                .mapToDouble(d -> d.finishedAt().toEpochMilli() / 1000.0).findFirst().orElse(Double.NaN);
                    })
                    .baseUnit("seconds").tags(Tags.of("target", target, "kind", kind.id()))
                    .description("End of the last passed restore drill of a backup of this kind, as unix time").register(registry);
        }
        Gauge.builder("pgnest.last.verified.timestamp", statuses, m -> {
                    TargetStatus s = m.get(target);
                    return s == null || s.lastVerified() == null ? Double.NaN : s.lastVerified().toEpochMilli() / 1000.0;
                })
                .baseUnit("seconds").tags(Tags.of("target", target))
                .description("When a backup last verified ok, as unix time").register(registry);
    }

    private void registerJob(String key, String target, JobKind kind) {
        Tags tags = Tags.of("target", target, "kind", kind.id());
        Gauge.builder("pgnest.job.last.success.timestamp", summaries, m -> lastSuccess(m.get(key), r ->
                        r.finishedAt().toEpochMilli() / 1000.0))
                .baseUnit("seconds").tags(tags)
                .description("End of the last successful run, as unix time").register(registry);
        Gauge.builder("pgnest.job.last.duration", summaries, m -> lastSuccess(m.get(key), r ->
                        r.duration().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN)))
                .baseUnit("seconds").tags(tags)
                .description("Duration of the last successful run").register(registry);
        Gauge.builder("pgnest.job.last.size", summaries, m -> lastSuccess(m.get(key), r ->
                        r.bytes() == null ? Double.NaN : r.bytes()))
                .baseUnit("bytes").tags(tags)
                .description("Bytes stored (backups) or checked by the last successful run").register(registry);
        FunctionCounter.builder("pgnest.job.failures", summaries, m -> m.get(key).failures())
                .tags(tags).description("Runs that failed or were lost with their replica").register(registry);
        FunctionCounter.builder("pgnest.job.runs", summaries, m -> m.get(key).runs())
                .tags(tags).description("Runs started").register(registry);
    }

    private final Map<String, Boolean> walRegistered = new ConcurrentHashMap<>();

    private void registerWal(String target) {
        if (walRegistered.putIfAbsent(target, true) != null) {
            return;
        }
        Tags tags = Tags.of("target", target);
        Gauge.builder("pgnest.wal.archive.lag.segments", walLags, m -> m.containsKey(target) ? m.get(target).segments() : Double.NaN)
                .tags(tags).description("Completed WAL segments not yet archived").register(registry);
        Gauge.builder("pgnest.wal.archive.lag", walLags, m -> m.containsKey(target)
                        ? m.get(target).age().toMillis() / 1000.0 : Double.NaN)
                .baseUnit("seconds").tags(tags)
                .description("How long completed WAL segments have waited for the archive").register(registry);
        Gauge.builder("pgnest.wal.archive.failing", walLags, m -> m.containsKey(target) && m.get(target).failing() ? 1 : 0)
                .tags(tags).description("1 when the archiver's last attempt failed").register(registry);
    }

    private static double lastSuccess(KindSummary s, java.util.function.ToDoubleFunction<JobRun> f) {
        return s == null || s.lastSuccess() == null ? Double.NaN : f.applyAsDouble(s.lastSuccess());
    }
}
