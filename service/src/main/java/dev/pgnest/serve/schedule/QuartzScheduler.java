package dev.pgnest.serve.schedule;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.serve.job.JobKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.listeners.TriggerListenerSupport;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quartz, configured for pgnest: a clustered JDBC job store in {@link JobStoreDatabase#SCHEMA},
 * one durable, recoverable job per (target, kind), one cron trigger each.
 *
 * <p>Misfire policy: a cron trigger whose fire time passed while no replica ran (or while the
 * previous run was still going) by more than the misfire threshold fires <b>once</b> as soon as
 * a replica can, then follows its cron again ({@code MISFIRE_INSTRUCTION_FIRE_ONCE_NOW}): a
 * nightly backup missed during three days of downtime runs once on return, not three times.
 * Each misfire is reported to the listener (an alert).
 *
 * <p>Recovery: jobs request recovery, so when a replica dies mid-run (stops checking in), another
 * replica's cluster manager re-runs its jobs with {@code isRecovering()} set.
 */
public final class QuartzScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QuartzScheduler.class);
    /** Shared by every replica: it is the key of the shared state in the job store. */
    public static final String SCHEDULER_NAME = "pgnest";
    static final String RESUME_GROUP = "pgnest-resume";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /**
     * Timings.
     *
     * @param threads          jobs that may run at once on this replica
     * @param checkinMillis    how often a replica tells the others it lives; a replica silent for
     *                         about this + 7.5 s is taken for dead and its jobs recovered
     * @param idleWaitMillis   how often an idle replica looks for triggers another one added
     * @param misfireMillis    how late a fire may be before it counts as missed
     */
    public record Options(int threads, long checkinMillis, long idleWaitMillis, long misfireMillis) {
        public static Options defaults() {
            return new Options(4, 7_500, 10_000, 60_000);
        }
    }

    /** Hears about missed fire times. */
    public interface MisfireListener {
        void missed(String target, JobKind kind, Instant scheduledTime);
    }

    private final Scheduler scheduler;
    private final String dataSourceName;
    private final String instanceId;

    private QuartzScheduler(Scheduler scheduler, String dataSourceName, String instanceId) {
        this.scheduler = scheduler;
        this.dataSourceName = dataSourceName;
        this.instanceId = instanceId;
    }

    /** Creates the scheduler in standby; {@link #start()} begins firing. */
    public static QuartzScheduler create(JobStoreDatabase db, String instanceId, Options options,
                                         JobDispatcher dispatcher, MisfireListener misfires) {
        // DBConnectionManager is JVM-wide: a name per instance lets tests run several replicas
        String dsName = "pgnest-jobstore-" + SEQUENCE.incrementAndGet();
        DBConnectionManager.getInstance().addConnectionProvider(dsName, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return db.connect();
            }

            @Override
            public void shutdown() {
                // the pool belongs to JobStoreDatabase
            }

            @Override
            public void initialize() {
            }
        });
        Properties p = new Properties();
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, SCHEDULER_NAME);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, instanceId);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_IDLE_WAIT_TIME, Long.toString(options.idleWaitMillis()));
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INTERRUPT_JOBS_ON_SHUTDOWN_WITH_WAIT, "false");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(options.threads()));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "pgnest-job");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", dsName);
        // unquoted identifiers: PostgreSQL folds QRTZ_TRIGGERS to the lower-case tables V1 made
        p.setProperty("org.quartz.jobStore.tablePrefix", JobStoreDatabase.SCHEMA + ".QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(options.checkinMillis()));
        p.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(options.misfireMillis()));
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        try {
            StdSchedulerFactory factory = new StdSchedulerFactory(p);
            Scheduler s = factory.getScheduler();
            // Quartz keeps a JVM-wide registry by scheduler name; every replica must share the
            // name, so unregister to let a second replica in the same JVM (tests) be created
            SchedulerRepository.getInstance().remove(SCHEDULER_NAME);
            s.setJobFactory((bundle, sched) -> new ScheduledJobRunner(dispatcher));
            s.getListenerManager().addTriggerListener(new TriggerListenerSupport() {
                @Override
                public String getName() {
                    return "pgnest-misfires";
                }

                @Override
                public void triggerMisfired(Trigger trigger) {
                    if (!(trigger instanceof CronTrigger)) {
                        return;
                    }
                    try {
                        JobKey job = trigger.getJobKey();
                        Date missed = trigger.getNextFireTime();
                        misfires.missed(job.getGroup(), JobKind.parse(job.getName()),
                                missed == null ? Instant.now() : missed.toInstant());
                    } catch (RuntimeException e) {
                        LOG.warn("could not report a missed schedule of {}: {}", trigger.getKey(), e.getMessage());
                    }
                }
            });
            return new QuartzScheduler(s, dsName, instanceId);
        } catch (SchedulerException e) {
            throw new PgnestException(ErrorKind.INTERNAL, "cannot create the scheduler: " + e.getMessage(),
                    "check the job store database (serve.database-url)", e);
        }
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * Makes the job store's schedules those given: adds the new, updates the changed (cron,
     * time zone or end), removes those no longer configured. An unchanged trigger is kept as it
     * is, so a fire missed while every replica was down is still seen as missed.
     */
    public void sync(List<Schedule> schedules, ZoneId zone) {
        try {
            Set<JobKey> wanted = new HashSet<>();
            for (Schedule s : schedules) {
                JobKey jobKey = jobKey(s.target(), s.kind());
                wanted.add(jobKey);
                TriggerKey triggerKey = TriggerKey.triggerKey(s.kind().id(), s.target());
                Trigger existing = scheduler.getTrigger(triggerKey);
                if (existing instanceof CronTrigger ct && ct.getCronExpression().equals(s.cron())
                        && ct.getTimeZone().getID().equals(TimeZone.getTimeZone(zone).getID())
                        && Objects.equals(ct.getEndTime(), s.until() == null ? null : Date.from(s.until()))
                        && (s.from() == null || ct.getStartTime().equals(Date.from(s.from())))
                        && scheduler.checkExists(jobKey)) {
                    continue;
                }
                if (s.until() != null && !s.until().isAfter(Instant.now())) {
                    continue; // a bounded schedule that is over: nothing left to store
                }
                JobDetail job = JobBuilder.newJob(ScheduledJobRunner.class)
                        .withIdentity(jobKey)
                        .withDescription(s.kind().label() + " of " + s.target())
                        .storeDurably()
                        .requestRecovery()
                        .build();
                TriggerBuilder<CronTrigger> tb = TriggerBuilder.newTrigger()
                        .withIdentity(triggerKey)
                        .forJob(jobKey)
                        .withDescription(s.text())
                        .withSchedule(CronScheduleBuilder.cronSchedule(s.cron())
                                .inTimeZone(TimeZone.getTimeZone(zone))
                                .withMisfireHandlingInstructionFireAndProceed());
                if (s.from() != null) {
                    tb.startAt(Date.from(s.from()));
                }
                if (s.until() != null) {
                    tb.endAt(Date.from(s.until()));
                }
                scheduler.scheduleJob(job, Set.of(tb.build()), true);
                LOG.info("schedule {} of target {}: {} ({})", s.kind().id(), s.target(), s.text(),
                        existing == null ? "added" : "changed");
            }
            for (String group : scheduler.getJobGroupNames()) {
                for (JobKey k : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(group))) {
                    if (!group.equals(RESUME_GROUP) && !wanted.contains(k)) {
                        scheduler.deleteJob(k);
                        LOG.info("schedule {} of target {} removed: no longer configured", k.getName(), k.getGroup());
                    }
                }
            }
        } catch (SchedulerException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot store the schedules in the job store: " + e.getMessage(),
                    "check the job store database (serve.database-url)", e);
        }
    }

    public void start() {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot start the scheduler: " + e.getMessage(),
                    "check the job store database (serve.database-url)", e);
        }
    }

    /** Stops firing new jobs; running ones go on. */
    public void standby() {
        try {
            scheduler.standby();
        } catch (SchedulerException e) {
            LOG.warn("scheduler standby: {}", e.getMessage());
        }
    }

    public boolean isRunning() {
        try {
            return scheduler.isStarted() && !scheduler.isShutdown() && !scheduler.isInStandbyMode();
        } catch (SchedulerException e) {
            return false;
        }
    }

    /** Jobs running on this replica now. */
    public List<JobExecutionContext> running() {
        try {
            return scheduler.getCurrentlyExecutingJobs();
        } catch (SchedulerException e) {
            return List.of();
        }
    }

    /** Interrupts every job running on this replica. */
    public void interruptAll() {
        for (JobExecutionContext c : running()) {
            try {
                scheduler.interrupt(c.getFireInstanceId());
            } catch (SchedulerException e) {
                LOG.warn("cannot interrupt {}: {}", c.getJobDetail().getKey(), e.getMessage());
            }
        }
    }

    /**
     * Queues one run of a job to fire now on whichever replica takes it (a run aborted by this
     * replica's shutdown). If none is up, it fires once when one starts.
     */
    public void requeue(String target, JobKind kind) {
        try {
            scheduler.scheduleJob(TriggerBuilder.newTrigger()
                    .withIdentity(kind.id() + "-" + target + "-" + UUID.randomUUID(), RESUME_GROUP)
                    .forJob(jobKey(target, kind))
                    .withDescription("re-run of an aborted " + kind.label())
                    .startNow()
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                    .build());
        } catch (SchedulerException e) {
            LOG.warn("cannot queue a re-run of the {} of {}: {}", kind.label(), target, e.getMessage());
        }
    }

    /** When the schedule fires next, if it is in the store. */
    public Optional<Instant> nextFire(String target, JobKind kind) {
        try {
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(kind.id(), target));
            return t == null || t.getNextFireTime() == null ? Optional.empty() : Optional.of(t.getNextFireTime().toInstant());
        } catch (SchedulerException e) {
            return Optional.empty();
        }
    }

    /** Shuts the scheduler down; with {@code waitForJobs}, after running jobs return. */
    public void shutdown(boolean waitForJobs) {
        try {
            scheduler.shutdown(waitForJobs);
        } catch (SchedulerException e) {
            LOG.warn("scheduler shutdown: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        shutdown(false);
    }

    static JobKey jobKey(String target, JobKind kind) {
        return JobKey.jobKey(kind.id(), target);
    }
}
