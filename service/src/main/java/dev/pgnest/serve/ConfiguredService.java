package dev.pgnest.serve;

import dev.pgnest.backup.expire.RetentionSettings;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.backup.physical.BackupType;
import dev.pgnest.backup.physical.PhysicalBackupSettings;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Setting;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.postgres.Databases;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.serve.alert.Alerts;
import dev.pgnest.serve.http.HealthCheck;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.metrics.ArchiverWalLagProbe;
import dev.pgnest.serve.metrics.RepositoryBacklogProbe;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code pgnest serve} as its configuration describes it: every target's schedules with the real
 * jobs (logical, physical, verify, expire, drill), the job store, HTTP, alerts and health checks.
 */
public final class ConfiguredService {
    private ConfiguredService() {
    }

    /**
     * A fresh deployment (compose, a new bucket) starts with an empty location: make it a
     * repository; an existing one is only checked, anything else is refused.
     *
     * @return the new repository's location when one was created
     */
    public static Optional<String> initRepository(PgnestConfig config) {
        try (Storage s = RepositorySettings.storage(config.repository()).open()) {
            return Repository.init(s) ? Optional.of(Repository.open(s).location()) : Optional.empty();
        }
    }

    /** The service for this configuration (not started). */
    public static BackupService build(PgnestConfig config, Path tempDir) {
        SettingValues global = config.global();
        List<Schedule> schedules = Schedule.fromConfig(config);
        StorageConfig storage = RepositorySettings.storage(config.repository());
        Path pgBinDir = global.get(Settings.PG_BIN_DIR).orElse(null);
        Map<String, DatabaseConnection> targets = new LinkedHashMap<>();
        config.targets().forEach((name, values) -> {
            if (values.get(Settings.DATABASE_URL).isPresent()) {
                targets.put(name, PgnestConfig.connection(values));
            }
        });
        ZoneId zone = global.require(Settings.SERVE_TIMEZONE);

        config.targets().forEach((name, values) -> {
            if (values.get(Settings.SCHEDULE_EXPIRE).isPresent() && RetentionSettings.policy(values).isEmpty()) {
                throw new PgnestException(ErrorKind.CONFIG, "schedule.expire of target " + name + " is set but it has no retention rule",
                        "set retention.keep-last, retention.max-age or retention.keep-daily/weekly/monthly for target " + name);
            }
        });
        RepositoryJobs jobs = new RepositoryJobs(storage);
        var repository = config.repository();
        Map<String, SettingValues> logicalTo = scheduledRepositories(config, Settings.SCHEDULE_LOGICAL_REPOSITORY);
        Map<String, SettingValues> physicalTo = scheduledRepositories(config, Settings.SCHEDULE_PHYSICAL_REPOSITORY);
        BackupService.Builder b = BackupService.builder(jobStore(config))
                .schedules(schedules)
                .timeZone(zone)
                .job(JobKind.LOGICAL, ctx -> {
                    SettingValues to = logicalTo.getOrDefault(ctx.target(), repository);
                    return new RepositoryJobs(RepositorySettings.storage(to)).logicalBackup(t -> connectionOf(targets, t),
                            t -> LogicalBackupOptions.defaults(t)
                                    .withCompression(RepositorySettings.compression(to), RepositorySettings.compressionLevel(to))
                                    .withPgBinDir(pgBinDir)).run(ctx);
                })
                .job(JobKind.VERIFY, jobs.verify(pgBinDir))
                .job(JobKind.PHYSICAL, physical(config, physicalTo, targets, t -> PhysicalBackupSettings.type(config.targets().get(t))))
                .job(JobKind.PHYSICAL_DIFF, physical(config, physicalTo, targets, t -> BackupType.DIFF))
                .job(JobKind.PHYSICAL_INCR, physical(config, physicalTo, targets, t -> BackupType.INCR))
                .job(JobKind.EXPIRE, jobs.expire(t -> RetentionSettings.policy(config.targets().get(t)), zone))
                .job(JobKind.DRILL, DrillJob.of(config, tempDir))
                .status(jobs.status())
                .listen(global.require(Settings.SERVE_LISTEN).address())
                .shutdownTimeout(global.require(Settings.SERVE_SHUTDOWN_TIMEOUT))
                .walLagThreshold(global.require(Settings.ALERT_WAL_LAG))
                .unprovenAfter(global.require(Settings.ALERT_UNPROVEN_AFTER))
                .alerts(Alerts.withWebhook(global.get(Settings.ALERT_WEBHOOK_URL).orElse(null),
                        global.require(Settings.ALERT_WEBHOOK_FORMAT)))
                .healthCheck(HealthCheck.of("repository", () -> {
                    try (Storage s = storage.open()) {
                        Repository.open(s);
                    }
                }));
        schedules.stream().map(Schedule::target).distinct().forEach(b::statusTarget);
        targets.forEach((name, connection) -> {
            b.healthCheck(HealthCheck.of("target:" + name, () -> ping(connection)));
            List<String> repositories = config.targets().get(name).get(Settings.TARGET_REPOSITORIES).orElse(List.of());
            b.walLag(name, new RepositoryBacklogProbe(new ArchiverWalLagProbe(connection),
                    () -> WalArchives.backlogs(WalSpool.of(config), name, repositories)));
        });
        return b.build();
    }

    /** A physical backup job of a type, into the repository each target's schedule.physical-repository names. */
    private static Job physical(PgnestConfig config, Map<String, SettingValues> physicalTo, Map<String, DatabaseConnection> targets,
                                Function<String, BackupType> type) {
        SettingValues global = config.global();
        return ctx -> {
            SettingValues to = physicalTo.getOrDefault(ctx.target(), config.repository());
            return PhysicalBackupJob.job(RepositorySettings.storage(to), t -> connectionOf(targets, t),
                    t -> PhysicalBackupSettings.options(global, config.targets().get(t), to), type).run(ctx);
        };
    }

    /**
     * The repository each target's scheduled backups of one kind go to, where {@code setting}
     * names one; it must be one of the target's repositories (they all receive its WAL).
     */
    private static Map<String, SettingValues> scheduledRepositories(PgnestConfig config, Setting<String> setting) {
        Map<String, SettingValues> chosen = new LinkedHashMap<>();
        config.targets().forEach((name, values) -> values.get(setting).ifPresent(repo -> {
            List<String> own = values.get(Settings.TARGET_REPOSITORIES).orElse(List.of());
            if (!own.contains(repo) || !config.repositories().containsKey(repo)) {
                throw new PgnestException(ErrorKind.CONFIG, setting.key() + " of target " + name + " names repository '" + repo
                        + "', which is not one of the target's repositories " + own,
                        "name one of targets." + name + ".repositories (add it there first, so that its WAL is archived to it)");
            }
            chosen.put(name, config.repositories().get(repo));
        }));
        return chosen;
    }

    private static DatabaseConnection connectionOf(Map<String, DatabaseConnection> targets, String target) {
        DatabaseConnection c = targets.get(target);
        if (c == null) {
            throw new PgnestException(ErrorKind.CONFIG, "target " + target + " has no url",
                    "set targets." + target + ".url in pgnest.yml");
        }
        return c;
    }

    /** serve.database-url, else the selected target's; serve.database-password wins over both. */
    public static DatabaseConnection jobStore(PgnestConfig config) {
        SettingValues g = config.global();
        String password = g.get(Settings.SERVE_DATABASE_PASSWORD).orElse(null);
        return g.get(Settings.SERVE_DATABASE_URL)
                .map(url -> DatabaseConnection.parse(url, null, password))
                .orElseGet(() -> {
                    DatabaseConnection t = config.connection();
                    return password == null ? t
                            : new DatabaseConnection(t.host(), t.port(), t.database(), t.user(), password, t.params());
                });
    }

    private static void ping(DatabaseConnection c) throws Exception {
        try (Connection conn = Databases.open(c, "pgnest serve health", Map.of("connectTimeout", "5"));
             var st = conn.createStatement()) {
            st.execute("SELECT 1");
        }
    }
}
