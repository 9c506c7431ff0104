package dev.pgnest.cli.serve;

import dev.pgnest.postgres.Databases;
import dev.pgnest.backup.expire.RetentionSettings;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.cli.PgnestCommand;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.serve.BackupService;
import dev.pgnest.serve.RepositoryJobs;
import dev.pgnest.serve.alert.Alerts;
import dev.pgnest.serve.http.HealthCheck;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.metrics.ArchiverWalLagProbe;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code pgnest serve}: wires the configuration onto {@link BackupService} with the real jobs
 * there are, and runs until SIGTERM (graceful: see {@code serve.shutdown-timeout}).
 */
@Command(name = "serve",
        description = {"Run the backup service: every target's schedule.* jobs (clustered: run as many replicas as you",
                "like on one job store), /health, /metrics and a status page on serve.listen, alerts.",
                "Stops gracefully on SIGTERM."})
public final class ServeCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PgnestConfig config = PgnestCommand.of(spec).config();
        BackupService service = build(config);
        // a fresh deployment (compose, a new bucket) starts with an empty location: make it a
        // repository; an existing one is only checked, anything else is refused
        try (Storage s = RepositorySettings.storage(config.repository()).open()) {
            if (Repository.init(s)) {
                spec.commandLine().getOut().println("created a new pgnest repository at " + Repository.open(s).location());
            }
        }
        service.start();
        PrintWriter out = spec.commandLine().getOut();
        out.println("pgnest serve " + service.instanceId() + " running"
                + (service.port() > 0 ? ": http://" + config.global().require(Settings.SERVE_LISTEN).replaceFirst(":\\d+$", "")
                + ":" + service.port() + "/" : "") + " (SIGTERM stops it)");
        out.flush();
        dev.pgnest.cli.wal.WalPushEndpoint walPush = dev.pgnest.cli.wal.WalPushEndpoint.start(config);
        Thread hook = new Thread(() -> {
            service.close();
            walPush.close(); // after the jobs: a physical backup waits for its WAL to be pushed
        }, "pgnest-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            service.close();
        } finally {
            walPush.close();
        }
    }

    /** The service for this configuration (not started). */
    public static BackupService build(PgnestConfig config) {
        SettingValues global = config.global();
        List<Schedule> schedules = Schedule.fromConfig(config);
        StorageConfig storage = RepositorySettings.storage(config.repository());
        Path pgBinDir = global.get(Settings.PG_BIN_DIR).orElse(null);
        Map<String, DatabaseConnection> targets = new LinkedHashMap<>();
        config.targets().forEach((name, values) -> values.get(Settings.DATABASE_URL).ifPresent(url ->
                targets.put(name, DatabaseConnection.parse(url, values.get(Settings.DB_USER).orElse(null),
                        values.get(Settings.DB_PASSWORD).orElse(null)))));
        ZoneId zone = zone(global.require(Settings.SERVE_TIMEZONE));

        config.targets().forEach((name, values) -> {
            if (values.get(Settings.SCHEDULE_EXPIRE).isPresent() && RetentionSettings.policy(values).isEmpty()) {
                throw new PgnestException(ErrorKind.CONFIG, "schedule.expire of target " + name + " is set but it has no retention rule",
                        "set retention.keep-last, retention.max-age or retention.keep-daily/weekly/monthly for target " + name);
            }
        });
        RepositoryJobs jobs = new RepositoryJobs(storage);
        var repository = config.repository();
        BackupService.Builder b = BackupService.builder(jobStore(config))
                .schedules(schedules)
                .timeZone(zone)
                .job(JobKind.LOGICAL, jobs.logicalBackup(t -> connectionOf(targets, t), t -> LogicalBackupOptions.defaults(t)
                        .withCompression(RepositorySettings.compression(repository), RepositorySettings.compressionLevel(repository))
                        .withPgBinDir(pgBinDir)))
                .job(JobKind.VERIFY, jobs.verify(pgBinDir))
                .job(JobKind.PHYSICAL, dev.pgnest.serve.PhysicalBackupJob.job(storage, t -> connectionOf(targets, t),
                        t -> dev.pgnest.backup.physical.PhysicalBackupSettings.options(global, config.targets().get(t), repository)))
                .job(JobKind.EXPIRE, jobs.expire(t -> RetentionSettings.policy(config.targets().get(t)), zone))
                .job(JobKind.DRILL, dev.pgnest.cli.restore.DrillJob.of(config))
                .status(jobs.status())
                .listen(listen(global.require(Settings.SERVE_LISTEN)))
                .shutdownTimeout(global.require(Settings.SERVE_SHUTDOWN_TIMEOUT))
                .walLagThreshold(global.require(Settings.ALERT_WAL_LAG))
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
            b.walLag(name, new ArchiverWalLagProbe(connection));
        });
        return b.build();
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
    static DatabaseConnection jobStore(PgnestConfig config) {
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

    static InetSocketAddress listen(String text) {
        int colon = text.lastIndexOf(':');
        try {
            String host = text.substring(0, colon).replace("[", "").replace("]", "");
            return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new PgnestException(ErrorKind.CONFIG, "serve.listen '" + text + "' is not host:port",
                    "set PGNEST_SERVE_LISTEN like 127.0.0.1:7432");
        }
    }

    private static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new PgnestException(ErrorKind.CONFIG, "serve.timezone '" + id + "' is not a time zone",
                    "use a name like UTC or Europe/Paris");
        }
    }

    private static void ping(DatabaseConnection c) throws Exception {
        try (Connection conn = Databases.open(c, "pgnest serve health", Map.of("connectTimeout", "5"));
             var st = conn.createStatement()) {
            st.execute("SELECT 1");
        }
    }
}
