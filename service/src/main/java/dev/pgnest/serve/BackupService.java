package dev.pgnest.serve;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.serve.alert.Alert;
import dev.pgnest.serve.alert.AlertState;
import dev.pgnest.serve.alert.Alerts;
import dev.pgnest.serve.http.HealthCheck;
import dev.pgnest.serve.http.HealthEndpoint;
import dev.pgnest.serve.http.HttpRoutes;
import dev.pgnest.serve.http.ServeHttpServer;
import dev.pgnest.serve.http.StatusPage;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobContext;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.job.JobResult;
import dev.pgnest.serve.metrics.ServeMetrics;
import dev.pgnest.serve.metrics.WalLag;
import dev.pgnest.serve.metrics.WalLagProbe;
import dev.pgnest.serve.schedule.JobHistory;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.schedule.JobStoreDatabase;
import dev.pgnest.serve.schedule.QuartzScheduler;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.serve.status.StatusSource;
import dev.pgnest.serve.status.TargetStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup service behind {@code pgnest serve}: runs each target's scheduled jobs through a
 * clustered Quartz scheduler (any number of replicas on one job store; each fire runs once; a
 * replica that dies mid-job has it re-run by another), serves health, metrics, a status page
 * and the routes other features add, and alerts on failures, missed schedules, WAL lag and
 * backups no drill has proven restorable for too long.
 *
 * <pre>{@code
 * try (BackupService service = BackupService.builder(jobStoreConnection)
 *         .schedules(Schedule.fromConfig(config))
 *         .job(JobKind.LOGICAL, ctx -> ...)
 *         .listen(new InetSocketAddress("127.0.0.1", 7432))
 *         .route(routes -> routes.post("/wal/push", walPushHandler))
 *         .build()) {
 *     service.start();
 *     service.awaitTermination();     // close() from a SIGTERM hook ends it
 * }
 * }</pre>
 */
public final class BackupService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);
    private static final int RECENT_RUNS = 8;
    /** After the shutdown timeout, how long interrupted jobs get to clean up (abort uploads). */
    private static final Duration ABORT_GRACE = Duration.ofSeconds(60);

    private final Builder b;
    private final String instanceId;
    private final Map<JobKind, Job> jobs;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, WalLag> walLags = new ConcurrentHashMap<>();
    private final Map<String, TargetStatus> statuses = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean stopping;

    private JobStoreDatabase db;
    private JobHistory history;
    private AlertState alertState;
    private QuartzScheduler scheduler;
    private ServeHttpServer http;
    private HealthEndpoint health;
    private ServeMetrics metrics;
    private ScheduledExecutorService monitor;

    private BackupService(Builder b) {
        this.b = b;
        this.instanceId = b.instanceId != null ? b.instanceId : defaultInstanceId();
        this.jobs = new EnumMap<>(b.jobs);
    }

    /** @param jobStore the database holding the shared scheduler state (serve.database-url) */
    public static Builder builder(DatabaseConnection jobStore) {
        return new Builder(jobStore);
    }

    /**
     * Creates or updates the job store schema, stores the schedules, starts the HTTP server and
     * the scheduler.
     *
     * @throws PgnestException when the job store or the listen address is unusable
     */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        for (Schedule s : b.schedules) {
            if (!jobs.containsKey(s.kind())) {
                closed.countDown();
                throw new PgnestException(ErrorKind.CONFIG, "schedule." + s.kind().id() + " of target " + s.target()
                        + " is set, but this pgnest cannot run a " + s.kind().label() + " yet",
                        "remove schedule." + s.kind().id() + " from target " + s.target());
            }
        }
        try {
            db = JobStoreDatabase.open(b.jobStore, b.options.threads() + 4);
            history = new JobHistory(db.dataSource());
            alertState = new AlertState(db.dataSource());
            scheduler = QuartzScheduler.create(db, instanceId, b.options, this::runJob, this::missed);
            scheduler.sync(b.schedules, b.zone);
            metrics = new ServeMetrics(history::summaries, walLags, statuses);
            if (b.listen != null) {
                List<HealthCheck> checks = new ArrayList<>();
                checks.add(HealthCheck.of("job-store", this::pingJobStore));
                checks.addAll(b.healthChecks);
                health = new HealthEndpoint(checks, this::isAlive, b.healthTimeout);
                HttpRoutes routes = new HttpRoutes();
                routes.get("/health", health.readiness());
                routes.get("/health/ready", health.readiness());
                routes.get("/health/live", health.liveness());
                routes.get("/metrics", exchange -> ServeHttpServer.respond(exchange, 200, metrics.contentType(), metrics.scrape()));
                routes.get("/", exchange -> ServeHttpServer.respond(exchange, 200, "text/html; charset=utf-8",
                        StatusPage.render(statusModel(StatusPage.days(exchange.getRequestURI().getRawQuery())))));
                for (var r : b.routes.all()) {
                    routes.add(r.method(), r.path(), r.handler());
                }
                http = ServeHttpServer.start(b.listen, routes);
            }
            monitor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pgnest-monitor");
                t.setDaemon(true);
                return t;
            });
            monitor.scheduleWithFixedDelay(this::watch, 0, b.monitorInterval.toMillis(), TimeUnit.MILLISECONDS);
            scheduler.start();
            LOG.info("pgnest serve {} started: {} schedule(s), job store {}{}", instanceId, b.schedules.size(),
                    db.describe(), http == null ? "" : ", http://" + http.address().getHostString() + ":" + http.port() + "/");
        } catch (RuntimeException e) {
            release();
            closed.countDown();
            throw e;
        }
    }

    /** The HTTP port (useful with port 0); -1 without HTTP. */
    public int port() {
        return http == null ? -1 : http.port();
    }

    public String instanceId() {
        return instanceId;
    }

    /** The shared job history (status, tests). */
    public JobHistory history() {
        return history;
    }

    /** When a schedule fires next. */
    public Optional<Instant> nextFire(String target, JobKind kind) {
        return scheduler.nextFire(target, kind);
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        closed.await();
    }

    /**
     * Graceful shutdown (SIGTERM): stop starting jobs, let running ones finish up to the
     * shutdown timeout, then interrupt them — an interrupted backup writes no manifest and
     * aborts its uploads — and queue their re-run for another replica. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        stopping = true;
        try {
            if (scheduler != null) {
                scheduler.standby();
                long deadline = System.nanoTime() + b.shutdownTimeout.toNanos();
                if (!scheduler.running().isEmpty()) {
                    LOG.info("pgnest serve {} stopping: waiting up to {}s for {} running job(s)", instanceId,
                            b.shutdownTimeout.toSeconds(), scheduler.running().size());
                }
                waitForJobs(deadline);
                if (!scheduler.running().isEmpty()) {
                    LOG.warn("pgnest serve {}: {} job(s) still running after {}s: aborting them", instanceId,
                            scheduler.running().size(), b.shutdownTimeout.toSeconds());
                    scheduler.interruptAll();
                    waitForJobs(System.nanoTime() + ABORT_GRACE.toNanos());
                }
                scheduler.shutdown(false);
            }
        } finally {
            release();
            LOG.info("pgnest serve {} stopped", instanceId);
            closed.countDown();
        }
    }

    private void waitForJobs(long deadlineNanos) {
        while (!scheduler.running().isEmpty() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void release() {
        if (monitor != null) {
            monitor.shutdownNow();
        }
        if (scheduler != null && !closing.get()) {
            scheduler.shutdown(false);
        }
        if (http != null) {
            http.stop(1);
        }
        if (health != null) {
            health.close();
        }
        b.alerts.close();
        if (db != null) {
            db.close();
        }
    }

    private boolean isAlive() {
        return !stopping && scheduler != null && scheduler.isRunning();
    }

    private void pingJobStore() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    // ---- running jobs -----------------------------------------------------------------------

    private void runJob(JobKind kind, String target, Instant scheduled, boolean recovering, String fireId) {
        JobContext ctx = new JobContext(target, kind, scheduled, recovering, instanceId);
        Instant start = clock.instant();
        long runId = -1;
        try {
            runId = history.started(ctx, fireId, start);
        } catch (SQLException e) {
            LOG.error("{} of {}: cannot record the run in the job history: {}", kind.label(), target, e.getMessage());
        }
        Job job = jobs.get(kind);
        try {
            if (job == null) {
                throw new PgnestException(ErrorKind.CONFIG, "this pgnest cannot run a " + kind.label() + " yet",
                        "remove schedule." + kind.id() + " from target " + target);
            }
            LOG.info("{} of {} started{}", kind.label(), target, recovering ? " (re-run: the replica running it died)" : "");
            JobResult result = job.run(ctx);
            Instant end = clock.instant();
            recordSuccess(runId, end, result);
            LOG.info("{} of {} succeeded in {}s: {}", kind.label(), target,
                    Duration.between(start, end).toMillis() / 1000.0, result.summary());
        } catch (Throwable e) {
            Instant end = clock.instant();
            boolean aborted = stopping && (e instanceof InterruptedException || Thread.currentThread().isInterrupted()
                    || hasInterruptCause(e));
            String message = describe(e);
            if (aborted) {
                LOG.warn("{} of {} aborted by shutdown ({}); queued to run again", kind.label(), target, message);
                recordEnd(runId, end, JobHistory.Outcome.aborted, "aborted by the shutdown of " + instanceId + ": " + message);
                scheduler.requeue(target, kind);
            } else {
                LOG.error("{} of {} failed: {}", kind.label(), target, message);
                if (!(e instanceof PgnestException)) {
                    LOG.debug("stack trace", e);
                }
                recordEnd(runId, end, JobHistory.Outcome.failed, message);
                b.alerts.send(new Alert(Alert.Type.JOB_FAILED, target, kind.id(),
                        "the " + kind.label() + " of " + target + " failed: " + message, end, instanceId,
                        Map.of("scheduled_time", scheduled.toString(), "duration_seconds",
                                Long.toString(Duration.between(start, end).toSeconds()))));
            }
        }
    }

    private void recordSuccess(long runId, Instant end, JobResult result) {
        if (runId < 0) {
            return;
        }
        try {
            history.succeeded(runId, end, result);
        } catch (SQLException e) {
            LOG.error("cannot record the outcome of run {} in the job history: {}", runId, e.getMessage());
        }
    }

    private void recordEnd(long runId, Instant end, JobHistory.Outcome outcome, String error) {
        if (runId < 0) {
            return;
        }
        try {
            history.ended(runId, end, outcome, error);
        } catch (SQLException e) {
            LOG.error("cannot record the outcome of run {} in the job history: {}", runId, e.getMessage());
        }
    }

    private static boolean hasInterruptCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
            if (t instanceof PgnestException pe && pe.kind() == ErrorKind.INTERRUPTED) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        if (e instanceof PgnestException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private void missed(String target, JobKind kind, Instant scheduled) {
        b.alerts.send(new Alert(Alert.Type.MISSED_SCHEDULE, target, kind.id(),
                "the " + kind.label() + " of " + target + " due at " + scheduled
                        + " did not run on time (no replica was up, or its previous run was still going); it runs once now",
                clock.instant(), instanceId, Map.of("scheduled_time", scheduled.toString())));
    }

    // ---- watching: WAL lag, proof of restorability, lost runs ---------------------------------

    private void watch() {
        for (Map.Entry<String, WalLagProbe> p : b.walLagProbes.entrySet()) {
            String target = p.getKey();
            try {
                Optional<WalLag> lag = p.getValue().measure();
                if (lag.isEmpty()) {
                    walLags.remove(target);
                    continue;
                }
                walLags.put(target, lag.get());
                checkLag(target, lag.get());
            } catch (Exception e) {
                walLags.remove(target);
                LOG.warn("cannot measure the WAL archive lag of {}: {}", target, e.getMessage());
            }
        }
        if (b.statusSource != null) {
            for (String target : statusTargets()) {
                try {
                    TargetStatus status = b.statusSource.status(target);
                    statuses.put(target, status);
                    checkProven(target, status);
                } catch (Exception e) {
                    statuses.remove(target);
                    LOG.warn("cannot read the repository status of {}: {}", target, e.getMessage());
                }
            }
        }
        try {
            for (JobRun lost : history.markLost(QuartzScheduler.SCHEDULER_NAME)) {
                b.alerts.send(new Alert(Alert.Type.JOB_FAILED, lost.target(), lost.kind().id(),
                        "the " + lost.kind().label() + " of " + lost.target() + " was lost: " + lost.error()
                                + "; another replica re-runs it", clock.instant(), instanceId,
                        Map.of("lost_instance", lost.instance())));
            }
        } catch (SQLException e) {
            LOG.warn("cannot check for lost runs: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("monitor: {}", e.toString());
        }
    }

    private void checkLag(String target, WalLag lag) throws SQLException {
        String key = "wal_lag:" + target;
        boolean over = lag.segments() > 0 && lag.age().compareTo(b.walLagThreshold) > 0;
        Map<String, String> details = new LinkedHashMap<>();
        details.put("lag_segments", Long.toString(lag.segments()));
        details.put("lag_seconds", Long.toString(lag.age().toSeconds()));
        if (lag.lastArchived() != null) {
            details.put("last_archived", lag.lastArchived());
        }
        // the server's clock, the same for every replica: a view measured before another
        // replica's all-clear does not raise the alert again
        Instant seen = lag.measuredAt() != null ? lag.measuredAt() : clock.instant();
        if (over) {
            if (alertState.raiseSince(key, seen)) {
                b.alerts.send(new Alert(Alert.Type.WAL_LAG, target, null,
                        lag.segments() + " WAL segment(s) of " + target + " have waited " + lag.age().toSeconds()
                                + "s for the archive (threshold " + b.walLagThreshold.toSeconds() + "s)"
                                + (lag.failing() ? "; archive_command is failing: see the server log" : "")
                                + ": point-in-time recovery cannot reach past the last archived segment",
                        clock.instant(), instanceId, details));
            }
        } else if (alertState.clearAt(key, seen)) {
            b.alerts.send(new Alert(Alert.Type.WAL_LAG_RESOLVED, target, null,
                    "the WAL archive of " + target + " caught up (" + lag.segments() + " segment(s) waiting)",
                    clock.instant(), instanceId, details));
        }
    }

    /**
     * Alerts once (across replicas, through the job store as WAL lag does) when no drill has
     * passed for longer than alert.unproven-after, and once when one passes again. The repository's
     * drill records decide, so a drill run by hand or on another host resolves it too.
     */
    private void checkProven(String target, TargetStatus status) throws SQLException {
        if (status.unprovenSince() == null) {
            return;
        }
        String key = "restore_unproven:" + target;
        Instant now = clock.instant();
        Duration unproven = Duration.between(status.unprovenSince(), now);
        Optional<DrillRecord> proven = status.lastProven().stream().max(java.util.Comparator.comparing(DrillRecord::finishedAt));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("unproven_seconds", Long.toString(Math.max(0, unproven.toSeconds())));
        proven.ifPresent(d -> {
            details.put("last_proven", d.finishedAt().toString());
            details.put("backup_id", d.backup().id());
            details.put("drill", d.id());
        });
        if (unproven.compareTo(b.unprovenAfter) > 0) {
            if (alertState.raiseSince(key, status.unprovenSince())) {
                b.alerts.send(new Alert(Alert.Type.RESTORE_UNPROVEN, target, null,
                        "no restore drill of " + target + " has passed for " + StatusPage.span(unproven)
                                + proven.map(d -> " (last passed: drill " + d.id() + " of backup " + d.backup().id()
                                        + " at " + d.finishedAt() + ")").orElse(" (none ever has)")
                                + ", threshold " + StatusPage.span(b.unprovenAfter)
                                + ": run pgnest restore drill, or set schedule.drill",
                        now, instanceId, details));
            }
        } else if (alertState.clearAt(key, proven.map(DrillRecord::finishedAt).orElse(now))) {
            b.alerts.send(new Alert(Alert.Type.RESTORE_UNPROVEN_RESOLVED, target, null,
                    proven.map(d -> "drill " + d.id() + " proved backup " + d.backup().id() + " of " + target
                            + " restorable at " + d.finishedAt()).orElse("the backups of " + target + " are proven again"),
                    now, instanceId, details));
        }
    }

    // ---- status page --------------------------------------------------------------------------

    private Set<String> statusTargets() {
        Set<String> targets = new LinkedHashSet<>(b.statusTargets);
        b.schedules.forEach(s -> targets.add(s.target()));
        return targets;
    }

    private StatusPage.Model statusModel(int days) {
        Instant now = clock.instant();
        List<StatusPage.Target> views = new ArrayList<>();
        for (String target : statusTargets()) {
            List<JobRun> recent = List.of();
            try {
                recent = history.recent(target, RECENT_RUNS);
            } catch (SQLException e) {
                LOG.warn("status page: cannot read the job history: {}", e.getMessage());
            }
            List<StatusPage.ScheduleRow> rows = new ArrayList<>();
            for (Schedule s : b.schedules) {
                if (s.target().equals(target)) {
                    JobRun last = recent.stream().filter(r -> r.kind() == s.kind()).findFirst().orElse(null);
                    rows.add(new StatusPage.ScheduleRow(s.kind(), s.text(), scheduler.nextFire(target, s.kind()).orElse(null), last));
                }
            }
            TargetStatus status = null;
            String error = null;
            TimelinePicture picture = null;
            if (b.statusSource != null) {
                try {
                    status = b.statusSource.status(target);
                    picture = b.statusSource.timeline(target, now.minus(Duration.ofDays(days)), now);
                } catch (Exception e) {
                    error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                }
            } else {
                error = "no repository reader is configured";
            }
            views.add(new StatusPage.Target(target, rows, status, error, walLags.get(target), recent, picture));
        }
        return new StatusPage.Model(instanceId, now, days, views);
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** Everything the service needs; only the job store is required. */
    public static final class Builder {
        private final DatabaseConnection jobStore;
        private String instanceId;
        private final List<Schedule> schedules = new ArrayList<>();
        private ZoneId zone = Settings.SERVE_TIMEZONE.defaultValue();
        private final Map<JobKind, Job> jobs = new EnumMap<>(JobKind.class);
        private InetSocketAddress listen;
        private final HttpRoutes routes = new HttpRoutes();
        private final List<HealthCheck> healthChecks = new ArrayList<>();
        private Duration healthTimeout = Duration.ofSeconds(5);
        private final Map<String, WalLagProbe> walLagProbes = new LinkedHashMap<>();
        private Duration walLagThreshold = Settings.ALERT_WAL_LAG.defaultValue();
        private Duration unprovenAfter = Settings.ALERT_UNPROVEN_AFTER.defaultValue();
        private Alerts alerts = Alerts.logOnly();
        private StatusSource statusSource;
        private final List<String> statusTargets = new ArrayList<>();
        private Duration shutdownTimeout = Settings.SERVE_SHUTDOWN_TIMEOUT.defaultValue();
        private Duration monitorInterval = Duration.ofSeconds(30);
        private QuartzScheduler.Options options = QuartzScheduler.Options.defaults();

        private Builder(DatabaseConnection jobStore) {
            this.jobStore = jobStore;
        }

        /** Unique among replicas; default host-pid. */
        public Builder instanceId(String id) {
            this.instanceId = id;
            return this;
        }

        public Builder schedules(List<Schedule> list) {
            schedules.addAll(list);
            return this;
        }

        public Builder schedule(Schedule s) {
            schedules.add(s);
            return this;
        }

        /** Time zone the crons are read in. */
        public Builder timeZone(ZoneId zone) {
            this.zone = zone;
            return this;
        }

        public Builder job(JobKind kind, Job job) {
            jobs.put(kind, job);
            return this;
        }

        /** Where HTTP listens; unset: no HTTP server. */
        public Builder listen(InetSocketAddress address) {
            this.listen = address;
            return this;
        }

        /** Adds routes (e.g. {@code /wal/push}) next to /health, /metrics and /. */
        public Builder route(java.util.function.Consumer<HttpRoutes> adder) {
            adder.accept(routes);
            return this;
        }

        public Builder healthCheck(HealthCheck check) {
            healthChecks.add(check);
            return this;
        }

        public Builder healthTimeout(Duration timeout) {
            this.healthTimeout = timeout;
            return this;
        }

        /** Measures a target's WAL archive lag every monitor interval, for /metrics and alerts. */
        public Builder walLag(String target, WalLagProbe probe) {
            walLagProbes.put(target, probe);
            return this;
        }

        public Builder walLagThreshold(Duration threshold) {
            this.walLagThreshold = threshold;
            return this;
        }

        /** Alert when no drill has passed for longer than this (alert.unproven-after). */
        public Builder unprovenAfter(Duration threshold) {
            this.unprovenAfter = threshold;
            return this;
        }

        public Builder alerts(Alerts alerts) {
            this.alerts = alerts;
            return this;
        }

        /** Reads backups and restorable windows for the status page. */
        public Builder status(StatusSource source) {
            this.statusSource = source;
            return this;
        }

        /** Targets shown on the status page besides those with schedules. */
        public Builder statusTarget(String target) {
            statusTargets.add(target);
            return this;
        }

        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /** How often WAL lag is measured and lost runs are looked for (default 30 s). */
        public Builder monitorInterval(Duration interval) {
            this.monitorInterval = interval;
            return this;
        }

        public Builder schedulerOptions(QuartzScheduler.Options options) {
            this.options = options;
            return this;
        }

        public BackupService build() {
            return new BackupService(this);
        }
    }
}
