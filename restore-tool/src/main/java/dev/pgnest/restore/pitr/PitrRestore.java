package dev.pgnest.restore.pitr;

import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.backup.physical.PhysicalRestore;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import dev.pgnest.restore.pitr.PointInTimeRecovery.AfterRecovery;
import dev.pgnest.restore.pitr.PointInTimeRecovery.Archiving;
import dev.pgnest.restore.pitr.RestorableWindow.BackupSpan;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.plan.RestorePlan;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.restore.report.ReportRecorder;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgnest restore pitr}: point-in-time recovery from the repository. Picks the newest
 * base backup before the target, refuses a target outside the WAL coverage before touching
 * anything (naming the window that is restorable), restores the backup's files (parallel
 * download, decompression and SHA-256 checks, by the backup module's {@link PhysicalRestore},
 * the one reader of that format), then lets {@link PointInTimeRecovery} replay to the target.
 */
public final class PitrRestore {
    private static final Logger LOG = LoggerFactory.getLogger(PitrRestore.class);
    /** pgnest's pre-migration restore points end in their creation time: {@code …_20250314T021500Z}. */
    private static final Pattern STAMPED_NAME = Pattern.compile(".*_(\\d{8}T\\d{6}Z)$");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    /**
     * What to restore.
     *
     * @param target          the configured target
     * @param recoveryTarget  where to stop; ignored with {@code beforeMigration}
     * @param inclusive       stop just after (true) or before the target
     * @param action          promote or pause
     * @param backup          which base backup: {@link BackupSelector.Latest} means the newest
     *                        one before the target
     * @param beforeMigration stop just before this migration's transaction committed (needs {@code liveDatabase})
     * @param liveDatabase    the target database, read for {@code beforeMigration}, and whose
     *                        database name the checks look at in the restored cluster (may be null)
     * @param flywayTable     Flyway's history table
     * @param dataDir         where the cluster is rebuilt: empty or absent, unless {@code delta}
     * @param delta           restore over an existing data directory, rewriting only changed files
     * @param tablespaces     new locations of tablespaces by oid (others go where they were)
     * @param parallelism     objects downloaded at once
     * @param restoreCommand  PostgreSQL's restore_command ({@code <pgnest> wal fetch %f %p})
     * @param server          how to run the server (port, OS account, run dir)
     * @param archiving       whether the recovered server archives WAL
     * @param after           stop the server or keep it running
     * @param timeout         longest the recovery may take
     */
    public record Request(String target, RecoveryTarget recoveryTarget, boolean inclusive, RecoveryAction action,
                          BackupSelector backup, String beforeMigration, DatabaseConnection liveDatabase, String flywayTable,
                          Path dataDir, boolean delta, Map<String, Path> tablespaces, int parallelism,
                          String restoreCommand, LocalServer.Options server, Archiving archiving, AfterRecovery after,
                          Duration timeout) {
        public Request {
            Objects.requireNonNull(target, "target");
            recoveryTarget = recoveryTarget == null ? new RecoveryTarget.Latest() : recoveryTarget;
            action = action == null ? RecoveryAction.PROMOTE : action;
            backup = backup == null ? new BackupSelector.Latest() : backup;
            flywayTable = flywayTable == null ? Databases.FLYWAY_TABLE : flywayTable;
            Objects.requireNonNull(dataDir, "dataDir");
            tablespaces = tablespaces == null ? Map.of() : Map.copyOf(tablespaces);
            parallelism = Math.max(1, parallelism);
            Objects.requireNonNull(restoreCommand, "restoreCommand");
            Objects.requireNonNull(server, "server");
        }

        /** The same request, restoring to just before migration {@code version} (read from {@code database}). */
        public Request withBeforeMigration(String version, DatabaseConnection database) {
            // the one reading of a version as --before-migration takes it (a Prisma migration's name too)
            String v = version == null ? null : new BackupSelector.BeforeMigration(version).version();
            return new Request(target, recoveryTarget, inclusive, action, backup, v, database, flywayTable, dataDir,
                    delta, tablespaces, parallelism, restoreCommand, server, archiving, after, timeout);
        }

        /** The same request, running the server with {@code other}. */
        public Request withServer(LocalServer.Options other) {
            return new Request(target, recoveryTarget, inclusive, action, backup, beforeMigration, liveDatabase, flywayTable,
                    dataDir, delta, tablespaces, parallelism, restoreCommand, other, archiving, after, timeout);
        }

        /** The same request over an existing data directory. */
        public Request withDelta() {
            return new Request(target, recoveryTarget, inclusive, action, backup, beforeMigration, liveDatabase, flywayTable,
                    dataDir, true, tablespaces, parallelism, restoreCommand, server, archiving, after, timeout);
        }
    }

    /** What was restored and reached; {@code server} is running with {@link AfterRecovery#KEEP_RUNNING}. */
    public record Result(BackupManifest backup, RecoveryOutcome outcome, Optional<LocalServer> server) {
    }

    /** The resolved decision: which backup, which recovery target, what it needs. */
    record Decision(BackupSpan span, RecoveryTarget target, boolean inclusive, String reason, List<String> warnings,
                    String beforeMigration) {
    }

    private PitrRestore() {
    }

    /**
     * Restores and recovers. Refusals (a target outside the window, a non-empty data directory,
     * a damaged object) happen before PostgreSQL starts; all is recorded in {@code report}.
     */
    public static Result run(Repository repository, Request requested, ReportRecorder report) {
        Decision decision = report.phase("plan", () -> decide(repository, requested),
                d -> d.span().manifest().id() + ", " + d.reason());
        BackupManifest backup = decision.span().manifest();
        // the files start only under their own major's server: chosen (or refused) before anything is touched
        Request request = requested.withServer(requested.server().withBinaries(serverBinaries(backup, requested.server().binaries())));
        decision.warnings().forEach(w -> LOG.warn("{}", w));
        report.requested(new IncidentReport.Requested(decision.target().type(), decision.target().value(),
                decision.target().takesInclusive() ? decision.inclusive() : null, request.action().setting(),
                request.beforeMigration() != null ? "--before-migration " + request.beforeMigration()
                        : request.backup().describe(), null))
                .backup(new IncidentReport.BackupUsed(backup.id(), backup.kind().id(), backup.startTime(), backup.endTime(),
                        backup.physical().startLsn(), backup.physical().stopLsn(), backup.physical().timeline(),
                        backup.schemaVersion(), backup.storedSize()))
                .destination(new IncidentReport.Destination(request.dataDir().toString(), request.server().port(), null,
                        request.after() == AfterRecovery.KEEP_RUNNING));
        checkDataDir(request);
        // a diff or incr backup needs its whole chain: refused here, before the data directory is touched
        List<BackupManifest> chain = new PhysicalRestore(repository, backup).checkChain();
        if (chain.size() > 1) {
            LOG.info("backup {} is restored from its chain {}", backup.id(), chain.stream().map(BackupManifest::id).toList());
        }
        if (request.delta() && !new PhysicalRestore(repository, backup).files().tablespaces().isEmpty()) {
            throw new PgnestException(ErrorKind.USAGE, "backup " + backup.id() + " has tablespaces, which --delta does not handle",
                    "restore into an empty data directory (and empty tablespace locations) without --delta");
        }

        Path restoreInto = request.delta() ? DeltaSync.workDirFor(request.dataDir()) : request.dataDir();
        boolean createdByUs = !Files.exists(request.dataDir());
        if (request.delta()) {
            DeltaSync.deleteTree(restoreInto, false); // a killed delta restore's work directory
        }
        // from its first change until recovery is done the directory is marked as ours and
        // unfinished: a rerun after a crash may empty it, nobody mistakes it for a restored cluster
        if (!request.delta()) {
            markIncomplete(request.dataDir());
        }
        PhysicalRestore.Result files;
        try {
            files = report.phase("restore files", () -> new PhysicalRestore(repository, backup)
                            .restoreTo(restoreInto, request.tablespaces(), request.parallelism()),
                    r -> r.files() + " files, " + ReportFormat.bytes(r.bytes()));
        } catch (RuntimeException e) {
            // a half-written directory would only be refused next time: leave it as it was found
            // (empty or absent, checked above; with --delta the work directory goes)
            DeltaSync.deleteTree(restoreInto, !request.delta() && !createdByUs);
            throw e;
        }
        report.check("SHA-256 of every object and file of backup " + backup.id(), true, null, files.files() + " files");
        if (request.delta()) {
            markIncomplete(request.dataDir());
            DeltaSync.Result synced = report.phase("delta", () -> DeltaSync.apply(restoreInto, request.dataDir()),
                    r -> r.rewritten() + " files rewritten, " + r.unchanged() + " unchanged, " + r.removed() + " removed");
            LOG.info("delta: {} files rewritten, {} unchanged, {} removed", synced.rewritten(), synced.unchanged(), synced.removed());
        }

        RecoverySettings settings = new RecoverySettings(request.restoreCommand(), decision.target(), decision.inclusive(),
                request.action(), decision.span().lastSegment().timeline());
        boolean checks = decision.beforeMigration() != null && request.liveDatabase() != null;
        PointInTimeRecovery.Result recovered;
        try (WalSpool spool = readAhead(repository, request, decision)) {
            // to the end of the archive: ending before its last segment means WAL was skipped
            dev.pgnest.wal.Lsn archivedThrough = decision.target() instanceof RecoveryTarget.Latest
                    ? decision.span().lastSegment().startLsn(spool.segmentSize()) : null;
            recovered = PointInTimeRecovery.run(new PointInTimeRecovery.Request(request.dataDir(),
                    settings.withRestoreCommand(spool.restoreCommand(request.restoreCommand())), request.server(),
                    request.archiving(), checks ? AfterRecovery.KEEP_RUNNING : request.after(), request.timeout(),
                    archivedThrough));
        }
        // the read-ahead is gone: leave the plain restore_command for whoever starts this directory next
        RecoveryFiles.rewriteSettings(request.dataDir(), settings);
        markComplete(request.dataDir());
        RecoveryOutcome outcome = recovered.outcome();
        report.phase("recovery startup", outcome.startup(), "until the restored files were consistent")
                .phase("recovery replay", outcome.replay(), outcome.walReplayed().count() + " WAL segments")
                .wal(new IncidentReport.WalRange(outcome.walReplayed().first(), outcome.walReplayed().last(),
                        outcome.walReplayed().count()))
                .reached(new IncidentReport.Reached(outcome.reachedLsn(), outcome.reachedTime(), outcome.timeline(),
                        outcome.state().name().toLowerCase(java.util.Locale.ROOT), outcome.stopReason()));
        Optional<LocalServer> server = recovered.server();
        if (checks) {
            LocalServer running = server.orElseThrow();
            String database = request.liveDatabase().database();
            String version = running.tryQuery(database, "select max(version) from "
                    + request.flywayTable() + " where success and version is not null")
                    .or(() -> running.tryQuery(database, Databases.prismaSchemaVersionQuery(Databases.PRISMA_TABLE))).orElse("");
            boolean before = !version.isEmpty() && Databases.SCHEMA_VERSION_ORDER.compare(version, decision.beforeMigration()) < 0;
            report.check("schema version before " + decision.beforeMigration(), before, "< " + decision.beforeMigration(),
                    version.isEmpty() ? "none" : version);
            if (request.after() == AfterRecovery.STOP) {
                running.stop();
                server = Optional.empty();
            }
            if (!before) {
                throw new PgnestException(ErrorKind.DATABASE, "the restored database is at schema version "
                        + (version.isEmpty() ? "none" : version) + ", not before " + decision.beforeMigration(),
                        "restore to the migration's restore point instead (--to-restore-point, the name migrate deploy printed)");
            }
        }
        return new Result(backup, outcome, server);
    }

    /**
     * The server programs for {@code backup}'s files: of the major its manifest records (see
     * {@link PgBinaries#forServerMajor}); a manifest without one keeps {@code configured}.
     */
    static PgBinaries serverBinaries(BackupManifest backup, PgBinaries configured) {
        if (backup.postgres() == null || backup.postgres().versionNum() <= 0) {
            LOG.warn("backup {} does not record its PostgreSQL version; starting it with {}", backup.id(), configured);
            return configured;
        }
        PgBinaries chosen = PgBinaries.forServerMajor(PgBinaries.majorOf(backup.postgres().versionNum()), configured);
        if (!chosen.equals(configured)) {
            LOG.info("backup {} is of PostgreSQL {}: starting it with {}", backup.id(),
                    PgBinaries.majorOf(backup.postgres().versionNum()), chosen);
        }
        return chosen;
    }

    /** Starts reading ahead the WAL this recovery needs, into the server's run directory. */
    private static WalSpool readAhead(Repository repository, Request request, Decision decision) {
        WalArchive archive = new WalArchive(repository.storage(), request.target(), dev.pgnest.repository.Compression.ZSTD, 3);
        WalArchive.Contents contents = archive.contents();
        long size = contents.segmentSize();
        try {
            return WalSpool.start(archive, contents, request.server().runDir().resolve("wal-spool"),
                    request.dataDir().resolve("pg_wal"), decision.span().startSegment(size), decision.span().lastSegment(), Math.max(8, request.parallelism() * 4),
                    request.parallelism(), request.server().account());
        } catch (java.io.IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot prepare the WAL read-ahead in " + request.server().runDir()
                    + ": " + e.getMessage(), "check the run directory's file system", e);
        }
    }

    /** What {@link #run} would do; reads the catalog and the archive listing, changes nothing. */
    public static RestorePlan plan(Repository repository, Request request) {
        Decision d = decide(repository, request);
        RestorableWindow window = RestorableWindow.of(repository, request.target());
        BackupManifest b = d.span().manifest();
        long size = window.segmentSize();
        WalSegment first = d.span().startSegment(size);
        WalSegment last = d.span().lastSegment();
        long segments = d.span().walSegments();
        long walBytes = d.span().walBytes();
        if (d.target() instanceof RecoveryTarget.Lsn lsn) {
            WalSegment upTo = WalSegment.containing(last.timeline(), Lsn.parse(lsn.lsn()), size);
            if (upTo.number() < last.number()) {
                long n = upTo.number() - first.number() + 1;
                walBytes = segments == 0 ? 0 : walBytes * n / segments;
                segments = n;
                last = upTo;
            }
        }
        if (d.target() instanceof RecoveryTarget.Immediate) {
            WalSegment stop = WalSegment.parse(b.physical().stopWal(), size);
            long n = stop.number() - first.number() + 1;
            walBytes = segments == 0 ? 0 : walBytes * n / segments;
            segments = n;
            last = stop;
        }
        List<String> warnings = new ArrayList<>(d.warnings());
        try {
            checkDataDir(request);
        } catch (PgnestException e) {
            warnings.add("the restore would stop: " + e.getMessage());
        }
        List<String> steps = new ArrayList<>();
        steps.add("download, decompress and check " + b.objects().size() + " objects of backup " + b.id() + " ("
                + ReportFormat.bytes(b.storedSize()) + ", " + request.parallelism() + " at a time) into "
                + (request.delta() ? DeltaSync.workDirFor(request.dataDir()) + ", then rewrite the changed files of "
                + request.dataDir() : request.dataDir().toString()));
        steps.add("write recovery.signal and restore_command = '" + request.restoreCommand() + "', "
                + d.target().describe() + (d.target().takesInclusive() ? (d.inclusive() ? " (inclusive)" : " (exclusive)") : "")
                + ", recovery_target_action = " + request.action().setting());
        steps.add("start PostgreSQL on port " + request.server().port() + " as " + request.server().account().describe()
                + " and replay WAL " + first.name(size) + " .. " + last.name(size) + " (at most)");
        steps.add(request.after() == AfterRecovery.STOP ? "stop the server once recovery is done (start it the usual way)"
                : "leave the server running on port " + request.server().port());
        return new RestorePlan(IncidentReport.Kind.pitr, request.target(),
                new IncidentReport.Requested(d.target().type(), d.target().value(),
                        d.target().takesInclusive() ? d.inclusive() : null, request.action().setting(),
                        request.beforeMigration() != null ? "--before-migration " + request.beforeMigration()
                                : request.backup().describe(), null),
                new IncidentReport.BackupUsed(b.id(), b.kind().id(), b.startTime(), b.endTime(), b.physical().startLsn(),
                        b.physical().stopLsn(), b.physical().timeline(), b.schemaVersion(), b.storedSize()),
                b.objects().size(), b.storedSize() + walBytes, b.rawSize(),
                new RestorePlan.WalNeeded(first.name(size), last.name(size), segments, walBytes),
                new RestorePlan.Window(window.oldest().map(BackupSpan::fromTime).orElse(null),
                        window.oldest().map(s -> s.fromLsn().toString()).orElse(null),
                        window.newest().map(BackupSpan::toTime).orElse(null),
                        window.newest().map(s -> s.toLsn().toString()).orElse(null)),
                "data directory " + request.dataDir() + (request.delta() ? " (delta)" : ""), steps, warnings);
    }

    // ------------------------------------------------------------------------------------ decide

    static Decision decide(Repository repository, Request request) {
        RestorableWindow window = RestorableWindow.of(repository, request.target());
        if (window.isEmpty()) {
            throw new PgnestException(ErrorKind.USAGE, "target '" + request.target() + "' has no restorable physical backup"
                    + (window.unusable().isEmpty() ? "" : " (" + String.join("; ", window.unusable()) + ")"),
                    "take one with pgnest backup physical while WAL archiving runs (pgnest wal check shows the archive)");
        }
        if (request.beforeMigration() != null) {
            return beforeMigration(repository, window, request);
        }
        RecoveryTarget target = request.recoveryTarget();
        List<String> warnings = new ArrayList<>();
        BackupSpan span;
        String reason;
        if (request.backup() instanceof BackupSelector.ById byId) {
            span = window.backups().stream().filter(s -> s.manifest().id().equals(byId.id())).findFirst()
                    .orElseThrow(() -> new PgnestException(ErrorKind.USAGE, "backup " + byId.id()
                            + " is not a restorable physical backup of target '" + request.target() + "'"
                            + unusableNote(window, byId.id()),
                            "pgnest restore plan pitr lists the window; pick another --backup or none"));
            reason = "requested by id";
        } else if (request.backup() instanceof BackupSelector.BeforeMigration bm) {
            return beforeMigration(repository, window, new Request(request.target(), request.recoveryTarget(), request.inclusive(),
                    request.action(), new BackupSelector.Latest(), bm.version(), request.liveDatabase(), request.flywayTable(),
                    request.dataDir(), request.delta(), request.tablespaces(), request.parallelism(),
                    request.restoreCommand(), request.server(), request.archiving(), request.after(), request.timeout()));
        } else {
            Selection s = newestBefore(window, target);
            span = s.span();
            reason = s.reason();
            warnings.addAll(s.warnings());
        }
        refuseOutside(window, span, target);
        return new Decision(span, target, request.inclusive(), reason, warnings, null);
    }

    private record Selection(BackupSpan span, String reason, List<String> warnings) {
    }

    private static Selection newestBefore(RestorableWindow window, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            Instant at = t.time().toInstant();
            return newestEndingBy(window, at, target)
                    .map(s -> new Selection(s, "the newest backup that ended before " + at, List.of()))
                    .orElseThrow(() -> outside(window, target, "it is before the oldest backup ended"));
        }
        if (target instanceof RecoveryTarget.Lsn l) {
            Lsn lsn = Lsn.parse(l.lsn());
            BackupSpan best = null;
            for (BackupSpan s : window.backups()) {
                if (!s.fromLsn().isAfter(lsn)) {
                    best = s;
                }
            }
            if (best == null) {
                throw outside(window, target, "it is before the oldest backup is consistent");
            }
            return new Selection(best, "the newest backup consistent before " + lsn, List.of());
        }
        if (target instanceof RecoveryTarget.RestorePoint rp) {
            Matcher m = STAMPED_NAME.matcher(rp.name());
            if (m.matches()) {
                Instant at = LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC);
                Optional<BackupSpan> s = newestEndingBy(window, at, target);
                if (s.isPresent()) {
                    return new Selection(s.get(), "the newest backup that ended before the restore point was made (" + at + ")",
                            List.of());
                }
            }
            return new Selection(window.oldest().orElseThrow(), "the oldest restorable backup: the restore point's position is not known",
                    List.of("restore point " + rp.name() + " is looked for from the oldest backup on; --backup ID starts later"));
        }
        if (target instanceof RecoveryTarget.Xid) {
            return new Selection(window.oldest().orElseThrow(), "the oldest restorable backup: a transaction's position is not known",
                    List.of("the transaction is looked for from the oldest backup on; --backup ID starts later"));
        }
        return new Selection(window.newest().orElseThrow(), "the newest restorable backup", List.of());
    }

    private static Optional<BackupSpan> newestEndingBy(RestorableWindow window, Instant at, RecoveryTarget target) {
        BackupSpan best = null;
        for (BackupSpan s : window.backups()) {
            if (!s.fromTime().isAfter(at)) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Targets past the end of the archived WAL cannot be reached: say so before anything is touched. */
    private static void refuseOutside(RestorableWindow window, BackupSpan span, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            Instant at = t.time().toInstant();
            if (at.isBefore(span.fromTime())) {
                throw outside(window, target, "backup " + span.manifest().id() + " ended at " + span.fromTime());
            }
            // object stores keep modification times to the second: a target within that second
            // may still be reached (if not, PostgreSQL says so and the restore fails clearly)
            if (at.isAfter(span.toTime().plusSeconds(2))) {
                throw outside(window, target, "the archived WAL after backup " + span.manifest().id() + " ends about "
                        + span.toTime());
            }
        } else if (target instanceof RecoveryTarget.Lsn l) {
            Lsn lsn = Lsn.parse(l.lsn());
            if (lsn.isBefore(span.fromLsn())) {
                throw outside(window, target, "backup " + span.manifest().id() + " is consistent only at " + span.fromLsn());
            }
            if (!lsn.isBefore(span.toLsn())) {
                throw outside(window, target, "the archived WAL after backup " + span.manifest().id() + " ends at "
                        + span.toLsn());
            }
        }
    }

    private static PgnestException outside(RestorableWindow window, RecoveryTarget target, String why) {
        return new PgnestException(ErrorKind.USAGE, "recovery target " + target.describe() + " is outside the restorable window ("
                + why + "); restorable: " + window.describe(),
                "choose a target inside the window; nothing was changed");
    }

    private static String unusableNote(RestorableWindow window, String id) {
        return window.unusable().stream().filter(u -> u.startsWith(id)).findFirst().map(u -> " (" + u + ")").orElse("");
    }

    /**
     * Before migration V: the restore point {@code migrate deploy} made just before applying it,
     * as deploy recorded it in the repository, or else found in the archived WAL (narrowed by the
     * live database's record of when V was installed, when it can be read). PITR stops exactly there.
     */
    private static Decision beforeMigration(Repository repository, RestorableWindow window, Request request) {
        String version = request.beforeMigration();
        Instant installedOn = null;
        Instant startedAround = null;
        if (request.liveDatabase() != null) {
            try (Connection c = Databases.connect(request.liveDatabase(), "pgnest restore")) {
                Optional<Databases.MigrationRun> run = Databases.migrationRun(c, request.flywayTable(), version);
                if (run.isPresent()) {
                    installedOn = run.get().finishedAt();
                    startedAround = installedOn.minus(run.get().duration());
                }
            } catch (PgnestException | SQLException e) {
                LOG.warn("cannot read when migration {} was installed ({}); reading the archive from its end", version,
                        e.getMessage());
            }
        }
        Optional<MigrationRestorePoints.Found> recorded = MigrationRestorePoints.recorded(repository, request.target(), version,
                installedOn);
        Instant from = startedAround;
        Instant until = installedOn;
        MigrationRestorePoints.Found point = recorded.or(() -> MigrationRestorePoints.find(repository, request.target(), version,
                from, until, request.server().binaries())).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                "no restore point " + MigrationRestorePoints.prefix(request.target(), version)
                        + "* recorded in the repository or in the archived WAL of target '" + request.target() + "'", "migrate deploy makes one on protected targets; restore with --to-time, "
                        + "or a logical pre-migration snapshot: pgnest restore logical --before-migration " + version));
        RecoveryTarget target = new RecoveryTarget.RestorePoint(point.name());
        Selection s = newestBefore(window, target);
        return new Decision(s.span(), target, true, s.reason() + "; restore point " + point.name() + " at " + point.lsn()
                + (recorded.isPresent() ? " (recorded by migrate deploy)" : " (found in the archived WAL)"), s.warnings(), version);
    }

    private static void checkDataDir(Request request) {
        Path dir = request.dataDir();
        LocalServer.requireNotRunning(dir);
        if (request.delta()) {
            if (!Files.isRegularFile(dir.resolve("PG_VERSION"))) {
                throw new PgnestException(ErrorKind.USAGE, "--delta needs an existing data directory, " + dir + " is not one",
                        "drop --delta to restore into an empty directory");
            }
            return;
        }
        if (Files.isRegularFile(dir.resolve(PhysicalRestore.INCOMPLETE_MARKER))) {
            LOG.warn("{} holds an unfinished restore (pgnest was stopped before recovery finished): emptying it and starting over", dir);
            DeltaSync.deleteTree(dir, true);
            return;
        }
        if (Files.exists(dir) && !isEmptyAfter(dir)) {
            throw new PgnestException(ErrorKind.USAGE, "data directory " + dir + " is not empty",
                    "restore into an empty or new directory, or add --delta to rewrite only the files that differ");
        }
    }

    private static void markIncomplete(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Files.writeString(dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER),
                    "pgnest restore started " + java.time.Instant.now() + "; not finished while this file exists\n");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write to " + dataDir + ": " + e.getMessage(),
                    "check the directory's permissions and free space", e);
        }
    }

    private static void markComplete(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot remove " + dataDir.resolve(PhysicalRestore.INCOMPLETE_MARKER)
                    + ": " + e.getMessage(), "the restore itself finished; remove the file by hand", e);
        }
    }

    private static boolean isEmptyAfter(Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
