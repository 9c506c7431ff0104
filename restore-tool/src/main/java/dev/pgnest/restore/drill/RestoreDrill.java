package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.logical.LogicalRestore;
import dev.pgnest.restore.logical.LogicalRestoreOptions;
import dev.pgnest.backup.physical.PhysicalRestore;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.postgres.server.LocalCluster;
import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.restore.pitr.PitrRestore;
import dev.pgnest.restore.pitr.PointInTimeRecovery.AfterRecovery;
import dev.pgnest.restore.pitr.PointInTimeRecovery.Archiving;
import dev.pgnest.restore.pitr.RecoveryAction;
import dev.pgnest.restore.pitr.RecoveryTarget;
import dev.pgnest.restore.pitr.RestorableWindow;
import dev.pgnest.postgres.server.ServerAccount;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Files;
import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgnest restore drill}: proves the latest backup restorable by restoring it somewhere
 * harmless, checking the result, throwing it away, and recording the outcome in the
 * repository. A failed drill is a result too (recorded, status failed), not an exception.
 */
public final class RestoreDrill {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreDrill.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    /** Where the scratch restore goes. */
    public enum Where {
        /** A cluster of its own (initdb on this host): costs the production server nothing. */
        SCRATCH_CLUSTER,
        /** A scratch database on the target's server: needs no PostgreSQL server programs here. */
        SCRATCH_DATABASE
    }

    /**
     * @param target      the configured target
     * @param kind        which kind of backup to prove (logical; physical once PITR from the repository is in)
     * @param where       scratch cluster or scratch database
     * @param scratchDir  parent of the scratch cluster's directory
     * @param account     OS account for the scratch cluster's server
     * @param binaries    PostgreSQL programs
     * @param sqlChecks   the operator's checks: each query's first value must be true / non-zero / non-empty
     * @param flywayTable Flyway's history table, for the schema version check
     * @param stagingDir  where the dump is staged (null: streamed)
     * @param physical    what a physical drill needs besides (null for logical drills)
     */
    public record Options(String target, BackupKind kind, Where where, Path scratchDir, ServerAccount account,
                          PgBinaries binaries, List<String> sqlChecks, String flywayTable, Path stagingDir,
                          Physical physical) {
        public Options {
            RepositoryLayout.checkTarget(target);
            kind = kind == null ? BackupKind.LOGICAL : kind;
            where = where == null ? Where.SCRATCH_CLUSTER : where;
            scratchDir = scratchDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : scratchDir;
            Objects.requireNonNull(binaries, "binaries");
            sqlChecks = sqlChecks == null ? List.of() : List.copyOf(sqlChecks);
            flywayTable = flywayTable == null ? Databases.FLYWAY_TABLE : flywayTable;
            if (where == Where.SCRATCH_CLUSTER || kind == BackupKind.PHYSICAL) {
                Objects.requireNonNull(account, "account");
            }
            if (kind == BackupKind.PHYSICAL) {
                Objects.requireNonNull(physical, "physical");
            }
        }
    }

    /**
     * A physical drill: the newest base backup into a scratch data directory, recovered to the
     * end of the archive, checked through the server's socket.
     *
     * @param restoreCommand PostgreSQL's restore_command ({@code <pgnest> wal fetch %f %p})
     * @param database       the database to check in the recovered cluster (the target's)
     * @param parallelism    objects downloaded at once
     * @param timeout        longest the recovery may take
     */
    public record Physical(String restoreCommand, String database, int parallelism, java.time.Duration timeout) {
    }

    /**
     * @param report     the drill's report (status failed when the restore or a check failed)
     * @param recordedAt where it was stored in the repository
     */
    public record Result(IncidentReport report, String recordedAt) {
        public boolean passed() {
            return report.status() == IncidentReport.Status.succeeded;
        }
    }

    private RestoreDrill() {
    }

    /**
     * Runs the drill and records it.
     *
     * @param targetServer the target's connection (used for {@link Where#SCRATCH_DATABASE} only)
     */
    public static Result run(Repository repository, DatabaseConnection targetServer, Options options, String toolVersion) {
        ReportRecorder report = ReportRecorder.start(IncidentReport.Kind.drill, options.target(), toolVersion);
        IncidentReport done;
        try {
            if (options.kind() == BackupKind.PHYSICAL) {
                physicalDrill(repository, options, report);
            } else {
                logicalDrill(repository, targetServer, options, report);
            }
            boolean passed = report.checks().stream().allMatch(IncidentReport.Check::passed);
            done = passed ? report.succeed()
                    : report.fail(new IllegalStateException("a check failed: " + report.checks().stream()
                            .filter(c -> !c.passed()).map(IncidentReport.Check::name).findFirst().orElse("?")));
        } catch (PgnestException e) {
            if (e.kind() == ErrorKind.CONFIG) {
                throw e;
            }
            done = report.fail(e);
        }
        String location = DrillRecords.save(repository, done);
        LOG.info("drill {} of target {}: {} (recorded at {})", done.id(), options.target(), done.status(), location);
        return new Result(done, location);
    }

    private static void physicalDrill(Repository repository, Options options, ReportRecorder report) {
        BackupManifest backup = newestRestorable(repository, options.target());
        Path scratch = scratchDirectory(options.scratchDir());
        try {
            // tablespaces go into the scratch directory, never back to production's locations
            Map<String, Path> tablespaces = new LinkedHashMap<>();
            new PhysicalRestore(repository, backup).files().tablespaces()
                    .forEach(t -> tablespaces.put(t.oid(), scratch.resolve("tablespaces").resolve(t.oid())));
            Path runDir = LocalServer.createRunDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pgnest-drill-");
            LocalServer.Options server = new LocalServer.Options(options.binaries(), options.account(), LocalCluster.freePort(),
                    runDir, "postgres", null, Map.of("listen_addresses", "", "shared_buffers", "128MB"));
            PitrRestore.Result result = PitrRestore.run(repository, new PitrRestore.Request(options.target(),
                    new RecoveryTarget.Latest(), true, RecoveryAction.PROMOTE, new BackupSelector.ById(backup.id()), null, null,
                    options.flywayTable(), scratch.resolve("data"), false, tablespaces, options.physical().parallelism(),
                    options.physical().restoreCommand(), server, Archiving.OFF, AfterRecovery.KEEP_RUNNING,
                    options.physical().timeout()), report);
            try (LocalServer running = result.server().orElseThrow()) {
                report.phase("checks", () -> DrillChecks.run(running, options.physical().database(),
                        options.flywayTable(), options.sqlChecks(), report));
            }
            LocalCluster.deleteRecursively(runDir);
        } finally {
            report.phase("tear down", () -> LocalCluster.deleteRecursively(scratch));
        }
    }

    private static void logicalDrill(Repository repository, DatabaseConnection targetServer, Options options,
                                     ReportRecorder report) {
        onScratchCopy(repository, targetServer, options, new BackupSelector.Latest(), report, (restored, backup) -> {
            report.phase("checks", () -> DrillChecks.run(restored, backup.schemaVersion(), options.flywayTable(),
                    options.sqlChecks(), report));
            return null;
        });
    }

    /** What is done with a restored scratch copy before it is thrown away. */
    public interface ScratchUse<T> {
        /**
         * @param restored the restored database (its server takes pgnest's credentials)
         * @param backup   which backup was restored
         */
        T use(DatabaseConnection restored, BackupManifest backup);
    }

    /**
     * Restores a logical backup into a scratch cluster or a scratch database as a drill does,
     * hands it to {@code use}, and tears it down whatever {@code use} does. {@code migrate
     * rehearse} applies pending migrations there.
     *
     * @param targetServer the target's connection (used for {@link Where#SCRATCH_DATABASE} only)
     * @param backup       which backup: the latest, or one by id
     */
    public static <T> T onScratchCopy(Repository repository, DatabaseConnection targetServer, Options options,
                                      BackupSelector backup, ReportRecorder report, ScratchUse<T> use) {
        LogicalRestoreOptions restore = LogicalRestoreOptions.defaults(options.target(), options.binaries())
                .withBackup(backup)
                .withStaging(options.stagingDir(), 1)
                // the scratch cluster has none of production's roles
                .withNoOwner(true);
        if (options.where() == Where.SCRATCH_CLUSTER) {
            LocalCluster cluster = report.phase("start scratch cluster",
                    () -> startScratchCluster(options), c -> "port " + c.port());
            try {
                LogicalRestore.Result restored = LogicalRestore.run(repository, cluster.connection("postgres"),
                        restore.withInto("drill"), report);
                return use.use(cluster.connection(restored.database()), restored.backup());
            } finally {
                report.phase("tear down", cluster::close);
            }
        }
        String scratch = "pgnest_drill_" + NAME_TIME.format(java.time.Instant.now());
        LogicalRestore.Result restored = LogicalRestore.run(repository, targetServer, restore.withInto(scratch), report);
        try {
            return use.use(targetServer.withDatabase(restored.database()), restored.backup());
        } finally {
            report.phase("drop scratch database", () -> LogicalRestore.dropDatabase(targetServer, scratch));
        }
    }

    /**
     * Restores a physical base backup into a scratch data directory as the physical drill does
     * (recovered with the archive's WAL, WAL archiving off, promoted), hands its database to
     * {@code use} over JDBC, and tears it down whatever {@code use} does. The copy runs with
     * pg_hba rules of its own, not production's: trust on its private socket and on 127.0.0.1,
     * on a free port, for as long as {@code use} runs.
     *
     * @param backup the latest physical backup (recovered to the end of the archive), or one by
     *               id (recovered to the end of that backup)
     * @param as     the user and database {@code use} gets in the copy (no password: the copy trusts 127.0.0.1)
     */
    public static <T> T onPhysicalScratchCopy(Repository repository, Options options, BackupSelector backup,
                                              DatabaseConnection as, ReportRecorder report, ScratchUse<T> use) {
        RecoveryTarget to = backup instanceof BackupSelector.ById ? new RecoveryTarget.Immediate() : new RecoveryTarget.Latest();
        BackupManifest manifest = backup instanceof BackupSelector.ById byId
                ? repository.catalog().get(options.target(), byId.id()).manifest()
                : newestRestorable(repository, options.target());
        Path scratch = scratchDirectory(options.scratchDir());
        Path runDir = null;
        try {
            // tablespaces go into the scratch directory, never back to production's locations
            Map<String, Path> tablespaces = new LinkedHashMap<>();
            new PhysicalRestore(repository, manifest).files().tablespaces()
                    .forEach(t -> tablespaces.put(t.oid(), scratch.resolve("tablespaces").resolve(t.oid())));
            runDir = LocalServer.createRunDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pgnest-drill-");
            Path hba = runDir.resolve("pg_hba.conf");
            try {
                Files.writeString(hba, "local all all trust\nhost all all " + LOOPBACK + "/32 trust\n");
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot write " + hba + ": " + e.getMessage(),
                        "make TMPDIR a writable directory", e);
            }
            LocalServer.Options server = new LocalServer.Options(options.binaries(), options.account(), LocalCluster.freePort(),
                    runDir, "postgres", null, Map.of("listen_addresses", LOOPBACK, "hba_file", hba.toString(),
                            "shared_buffers", "128MB", "fsync", "off"));
            PitrRestore.Result result = PitrRestore.run(repository, new PitrRestore.Request(options.target(), to, true,
                    RecoveryAction.PROMOTE, new BackupSelector.ById(manifest.id()), null, null, options.flywayTable(),
                    scratch.resolve("data"), false, tablespaces, options.physical().parallelism(),
                    options.physical().restoreCommand(), server, Archiving.OFF, AfterRecovery.KEEP_RUNNING,
                    options.physical().timeout()), report);
            try (LocalServer running = result.server().orElseThrow()) {
                return use.use(new DatabaseConnection(LOOPBACK, running.port(), as.database(), as.user(), null, Map.of()),
                        result.backup());
            }
        } finally {
            Path run = runDir;
            report.phase("tear down", () -> {
                if (run != null) {
                    LocalCluster.deleteRecursively(run);
                }
                LocalCluster.deleteRecursively(scratch);
            });
        }
    }

    private static BackupManifest newestRestorable(Repository repository, String target) {
        RestorableWindow window = RestorableWindow.of(repository, target);
        return window.newest().orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                "target '" + target + "' has no restorable physical backup"
                        + (window.unusable().isEmpty() ? "" : " (" + String.join("; ", window.unusable()) + ")"),
                "take one with pgnest backup physical while WAL archiving runs")).manifest();
    }

    /**
     * A throw-away cluster for a logical drill: initdb into a fresh directory, trust
     * authentication on 127.0.0.1 only, a free port, everything deleted on close. A drill restores
     * here rather than on the production server, so it costs production nothing but the download.
     */
    private static LocalCluster startScratchCluster(Options options) {
        try {
            return LocalCluster.builder(options.binaries(), options.account())
                    .parent(options.scratchDir(), "pgnest-drill-")
                    .settings(Map.of("fsync", "off", "max_connections", "50"))
                    .startWait(Duration.ofSeconds(60))
                    .start();
        } catch (PgnestException e) {
            throw new PgnestException(e.kind(), "the scratch cluster did not start: " + e.problem(),
                    "check the PostgreSQL server programs (pg.bin-dir) and restore.scratch-dir", e);
        }
    }

    /** A new directory for one drill under {@code parent}, passable (not readable) for the server's OS user. */
    private static Path scratchDirectory(Path parent) {
        try {
            Files.createDirectories(parent);
            Path workDir = Files.createTempDirectory(parent, "pgnest-drill-");
            // the server's OS user must be able to pass through to its data directory
            Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwx--x--x"));
            return workDir;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create a scratch directory under " + parent + ": " + e.getMessage(),
                    "set restore.scratch-dir to a writable directory", e);
        }
    }
}
