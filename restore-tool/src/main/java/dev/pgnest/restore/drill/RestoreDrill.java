package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.logical.LogicalRestore;
import dev.pgnest.restore.logical.LogicalRestoreOptions;
import dev.pgnest.restore.pitr.ServerAccount;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import java.nio.file.Path;
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
     */
    public record Options(String target, BackupKind kind, Where where, Path scratchDir, ServerAccount account,
                          PgBinaries binaries, List<String> sqlChecks, String flywayTable, Path stagingDir) {
        public Options {
            RepositoryLayout.checkTarget(target);
            kind = kind == null ? BackupKind.LOGICAL : kind;
            where = where == null ? Where.SCRATCH_CLUSTER : where;
            scratchDir = scratchDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : scratchDir;
            Objects.requireNonNull(binaries, "binaries");
            sqlChecks = sqlChecks == null ? List.of() : List.copyOf(sqlChecks);
            flywayTable = flywayTable == null ? Databases.FLYWAY_TABLE : flywayTable;
            if (where == Where.SCRATCH_CLUSTER) {
                Objects.requireNonNull(account, "account");
            }
        }
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
        if (options.kind() != BackupKind.LOGICAL) {
            throw new PgnestException(ErrorKind.USAGE, "drills of physical backups are not available yet",
                    "drill the logical backups (restore drill --kind logical)");
        }
        ReportRecorder report = ReportRecorder.start(IncidentReport.Kind.drill, options.target(), toolVersion);
        IncidentReport done;
        try {
            logicalDrill(repository, targetServer, options, report);
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

    private static void logicalDrill(Repository repository, DatabaseConnection targetServer, Options options,
                                     ReportRecorder report) {
        LogicalRestoreOptions restore = LogicalRestoreOptions.defaults(options.target(), options.binaries())
                .withBackup(new BackupSelector.Latest())
                .withStaging(options.stagingDir(), 1)
                // the scratch cluster has none of production's roles
                .withNoOwner(true);
        if (options.where() == Where.SCRATCH_CLUSTER) {
            ScratchCluster cluster = report.phase("start scratch cluster",
                    () -> ScratchCluster.start(options.scratchDir(), options.binaries(), options.account()),
                    c -> "port " + c.server().port());
            try {
                LogicalRestore.Result restored = LogicalRestore.run(repository, cluster.connection("postgres"),
                        restore.withInto("drill"), report);
                report.phase("checks", () -> DrillChecks.run(cluster.connection(restored.database()),
                        restored.backup().schemaVersion(), options.flywayTable(), options.sqlChecks(), report));
            } finally {
                report.phase("tear down", cluster::close);
            }
        } else {
            String scratch = "pgnest_drill_" + NAME_TIME.format(java.time.Instant.now());
            LogicalRestore.Result restored = LogicalRestore.run(repository, targetServer, restore.withInto(scratch), report);
            try {
                report.phase("checks", () -> DrillChecks.run(targetServer.withDatabase(restored.database()),
                        restored.backup().schemaVersion(), options.flywayTable(), options.sqlChecks(), report));
            } finally {
                report.phase("drop scratch database", () -> LogicalRestore.dropDatabase(targetServer, scratch));
            }
        }
    }
}
