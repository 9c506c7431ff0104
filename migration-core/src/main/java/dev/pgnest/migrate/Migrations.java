package dev.pgnest.migrate;

import dev.pgnest.postgres.Databases;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.Linter;
import dev.pgnest.migrate.lint.Rule;
import dev.pgnest.migrate.lint.SqlScript;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.CleanResult;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;

/**
 * The migration workflow of one target on Flyway Core: deploy, status, validate, resolve,
 * baseline, reset. Flyway does the applying, checksumming and locking; this class adds what
 * Prisma users expect around it (failed migrations that stay visible, resolve, lint before
 * deploy, a dry run, a snapshot before touching a protected database) and turns Flyway's
 * exceptions into one-line errors with a hint.
 *
 * <p>Each call opens its own connections and closes them; instances are cheap and
 * thread-safe.
 */
public final class Migrations {
    /** How long a deploy waits for another one holding the migration lock. */
    static final int LOCK_WAIT_SECONDS = 900;

    private final MigrationSettings settings;
    private final Linter linter;

    public Migrations(MigrationSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.linter = new Linter(settings.lint());
    }

    public MigrationSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------------------------------
    // deploy

    /**
     * Applies pending migrations in version order, each in its own transaction unless it holds
     * statements PostgreSQL refuses inside one (then it runs without). Concurrent deploys
     * serialise on Flyway's PostgreSQL advisory lock: the second waits, then finds nothing
     * pending. Pending migrations are linted first; errors refuse the deploy unless
     * {@code allowUnsafe}.
     */
    public DeployReport deploy(DeployOptions options) {
        return deploy(options, null);
    }

    /**
     * Like {@link #deploy(DeployOptions)}, but stops after {@code version} (all pending
     * migrations when null). Drift detection builds its shadow database with it.
     */
    public DeployReport deployUpTo(String version, DeployOptions options) {
        return deploy(options, version);
    }

    private DeployReport deploy(DeployOptions options, String targetVersion) {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().deploy(options, targetVersion);
        }
        DatabaseTarget target = settings.target();
        MigrationInfoService info = flyway(() -> configure(targetVersion).load().info());
        String before = currentVersion(info);
        failIfFailedMigrationRecorded(info);
        List<PlannedMigration> plan = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        MigrationScripts scripts = new MigrationScripts(settings.locations(), classLoader());
        for (MigrationInfo pending : info.pending()) {
            plan.add(plan(version(pending), pending.getDescription(), pending.getScript(), scripts.read(pending), options, findings));
        }
        if (options.dryRun() || plan.isEmpty()) {
            return new DeployReport(target.name(), options.dryRun(), before, before, plan, List.of(), findings, null);
        }
        refuseUnsafe(findings, options);

        SnapshotCallback snapshot = target.environment() == Environment.PROTECTED
                ? new SnapshotCallback(options.hook(), target, before) : null;
        Map<String, PlannedMigration> byVersion = plan.stream()
                .collect(Collectors.toMap(PlannedMigration::version, p -> p, (a, b) -> a, HashMap::new));
        FluentConfiguration config = configure(targetVersion);
        SafetyCallback safety = new SafetyCallback(settings.safety(), byVersion);
        config.callbacks(snapshot == null ? new Callback[] {safety} : new Callback[] {snapshot, safety});
        List<String> invalidBefore = invalidIndexes();
        // What this deploy applied: each attempt's successes (a retried attempt may have applied some first).
        Map<String, Long> appliedMs = new LinkedHashMap<>();
        List<String> done = successfulVersions(info);
        String after;
        for (int attempt = 1; ; attempt++) {
            try {
                MigrateResult result = config.load().migrate();
                result.migrations.forEach(m -> appliedMs.put(m.version, (long) m.executionTime));
                after = result.targetSchemaVersion != null ? result.targetSchemaVersion : before;
                break;
            } catch (FlywayMigrateException e) {
                MigrationInfo failed = e.getMigration();
                List<String> left = e.isExecutableInTransaction() ? List.of() : newInvalidIndexes(invalidBefore, List.of());
                if (failed == null || !DeploySafety.isLockTimeout(e) || !left.isEmpty() && !options.dropInvalidIndexes()
                        || !settings.safety().waitBeforeRetry(failed.getScript(), attempt, e)) {
                    throw migrationFailed(e, left);
                }
                // A concurrent build that timed out leaves an INVALID index and Flyway's failed row.
                newInvalidIndexes(invalidBefore, left);
                if (!e.isExecutableInTransaction()) {
                    forgetFailedAttempt(version(failed));
                }
                MigrationInfoService now = flyway(() -> configure().load().info());
                for (MigrationInfo m : now.applied()) {
                    if (!done.contains(version(m)) && successfulVersions(now).contains(version(m))) {
                        appliedMs.put(version(m), m.getExecutionTime() == null ? 0L : m.getExecutionTime());
                    }
                }
                done = successfulVersions(now);
            } catch (FlywayException e) {
                rethrowFromHook(e);
                throw translate(e);
            }
        }
        List<DeployReport.Applied> applied = new ArrayList<>();
        appliedMs.forEach((version, ms) -> {
            PlannedMigration planned = byVersion.get(version);
            applied.add(planned == null ? new DeployReport.Applied(version, "", null, true, Duration.ofMillis(ms))
                    : new DeployReport.Applied(version, planned.description(), planned.script(), planned.transactional(),
                            Duration.ofMillis(ms)));
        });
        return new DeployReport(target.name(), false, before, after, plan, applied, findings,
                snapshot == null ? null : snapshot.taken);
    }

    private static List<String> successfulVersions(MigrationInfoService info) {
        List<String> out = new ArrayList<>();
        for (MigrationInfo m : info.applied()) {
            if (m.getVersion() != null && m.getState().isApplied() && !m.getState().isFailed()) {
                out.add(version(m));
            }
        }
        return out;
    }

    private List<String> invalidIndexes() {
        try (Connection c = connect()) {
            return DeploySafety.invalidIndexes(c);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot list the INVALID indexes of " + settings.target().name()
                    + ": " + firstLine(e.getMessage()), "check the target's permissions on pg_index", e);
        }
    }

    /** The INVALID indexes that were not there before the deploy, after dropping {@code drop}. */
    private List<String> newInvalidIndexes(List<String> before, List<String> drop) {
        try (Connection c = connect()) {
            DeploySafety.drop(c, drop);
            return DeploySafety.newInvalidIndexes(c, before);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "checking or dropping INVALID indexes after a failed migration on "
                    + settings.target().name() + " failed: " + firstLine(e.getMessage()),
                    "find them with SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid and drop them", e);
        }
    }

    /** Removes the failed history row of a non-transactional attempt, so Flyway runs it again. */
    private void forgetFailedAttempt(String version) {
        updateHistory(version, (c, table) -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE version = ? AND NOT success")) {
                ps.setString(1, version);
                ps.executeUpdate();
            }
        });
    }

    /** Sets each migration's timeouts on Flyway's connection just before it runs. */
    private static final class SafetyCallback implements Callback {
        private final DeploySafety safety;
        private final Map<String, PlannedMigration> plan;

        SafetyCallback(DeploySafety safety, Map<String, PlannedMigration> plan) {
            this.safety = safety;
            this.plan = plan;
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            PlannedMigration planned = context.getMigrationInfo() == null ? null : plan.get(version(context.getMigrationInfo()));
            try {
                safety.before(context.getConnection(), planned == null ? "" : planned.sql());
            } catch (SQLException e) {
                throw new PgnestException(ErrorKind.DATABASE, "setting lock_timeout and statement_timeout before a migration failed: "
                        + firstLine(e.getMessage()), "check the deploy.lock-timeout and deploy.statement-timeout settings", e);
            }
        }

        @Override
        public String getCallbackName() {
            return "pgnest-deploy-timeouts";
        }
    }

    /** Lints one pending migration into {@code findings}; refuses one that mixes transaction modes. */
    PlannedMigration plan(String version, String description, String script, String sql, DeployOptions options,
                          List<Finding> findings) {
        SqlScript parsed = SqlScript.parse(sql);
        findings.addAll(linter.lint(script, sql).findings());
        if (!options.dryRun() && parsed.mixesTransactionModes()) {
            throw new PgnestException(ErrorKind.MIGRATION, "migration " + script
                    + " mixes statements that must run outside a transaction (e.g. CREATE INDEX CONCURRENTLY) with others",
                    "move those statements into a migration file of their own, so a failure cannot leave half of it applied");
        }
        return new PlannedMigration(version, description, script, !parsed.requiresNoTransaction(), sql);
    }

    static void refuseUnsafe(List<Finding> findings, DeployOptions options) {
        List<Finding> errors = findings.stream().filter(f -> f.severity() == Rule.Severity.ERROR).toList();
        if (!errors.isEmpty() && !options.allowUnsafe()) {
            throw new PgnestException(ErrorKind.MIGRATION, "lint found " + errors.size() + " unsafe statement"
                    + (errors.size() == 1 ? "" : "s") + " in pending migrations, first: " + errors.get(0).describe(),
                    "make the migration safe, or after review add '-- pgnest-lint-disable " + errors.get(0).rule().id()
                            + "' to the file, or deploy with --allow-unsafe (pgnest migrate lint lists all findings)");
        }
    }

    private void failIfFailedMigrationRecorded(MigrationInfoService info) {
        for (MigrationInfo m : info.all()) {
            if (m.getState().isFailed()) {
                throw new PgnestException(ErrorKind.MIGRATION, "migration " + version(m) + " (" + m.getDescription()
                        + ") is recorded as failed in " + settings.target().name(),
                        "fix the database and the file, then run pgnest migrate resolve --rolled-back " + version(m)
                                + " (or --applied " + version(m) + " if it was completed by hand) and deploy again");
            }
        }
    }

    private PgnestException migrationFailed(FlywayMigrateException e, List<String> invalidLeft) {
        MigrationInfo failed = e.getMigration();
        boolean rolledBack = e.isExecutableInTransaction();
        String where = e.getLineNumber() > 0 ? " at line " + e.getLineNumber() : "";
        String cause = firstLine(rootSqlMessage(e));
        String name = failed == null ? "a migration" : "migration " + version(failed) + " (" + failed.getDescription() + ")";
        String now;
        try {
            if (failed != null && rolledBack) {
                // In PostgreSQL Flyway rolls the history row back with the migration, leaving no
                // trace of the failure; record it, as Prisma does, so status shows it and deploy
                // waits for resolve.
                recordFailure(failed);
            }
            now = currentVersion(flyway(() -> configure().load().info()));
        } catch (SQLException | RuntimeException bookkeeping) {
            e.addSuppressed(bookkeeping);
            now = "unknown";
        }
        String state = rolledBack
                ? "; its changes were rolled back, the database is still at version " + (now == null ? "<empty>" : now)
                : "; it ran outside a transaction, so statements before the failing one stay applied";
        String fix = failed == null ? "fix the migration and deploy again"
                : "fix " + failed.getScript() + (rolledBack ? "" : invalidLeft.isEmpty()
                        ? ", undo what it applied part-way (e.g. drop an INVALID index)"
                        : DeploySafety.dropHint(invalidLeft, DeploySafety.isLockTimeout(e)))
                        + ", then run pgnest migrate resolve --rolled-back " + version(failed) + " and deploy again";
        return new PgnestException(ErrorKind.MIGRATION, name + " failed" + where + ": " + cause + state
                + DeploySafety.leftBehind(invalidLeft), fix, e);
    }

    private void recordFailure(MigrationInfo failed) throws SQLException {
        try (Connection c = connect()) {
            String table = historyTable(c);
            try (PreparedStatement check = c.prepareStatement(
                    "SELECT count(*) FROM " + table + " WHERE version = ? AND NOT success")) {
                check.setString(1, version(failed));
                try (ResultSet rs = check.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
            }
            insertHistoryRow(c, table, failed, false);
        }
    }

    private static void insertHistoryRow(Connection c, String table, MigrationInfo m, boolean success) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)"
                + " SELECT coalesce(max(installed_rank), 0) + 1, ?, ?, ?, ?, ?, current_user, 0, ? FROM " + table)) {
            ps.setString(1, version(m));
            ps.setString(2, m.getDescription());
            ps.setString(3, m.getType() == null ? "SQL" : m.getType().name());
            ps.setString(4, m.getScript());
            Integer checksum = m.getResolvedChecksum() != null ? m.getResolvedChecksum() : m.getChecksum();
            if (checksum == null) {
                ps.setNull(5, java.sql.Types.INTEGER);
            } else {
                ps.setInt(5, checksum);
            }
            ps.setBoolean(6, success);
            ps.executeUpdate();
        }
    }

    private static void rethrowFromHook(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PgnestException p) {
                throw p;
            }
            if (t instanceof HookFailure h) {
                throw new PgnestException(ErrorKind.MIGRATION, "the pre-migration snapshot failed, nothing was applied: "
                        + firstLine(String.valueOf(h.getCause().getMessage())),
                        "fix the snapshot (backup storage, permissions) and deploy again", h.getCause());
            }
        }
    }

    /** Calls the hook once, before the first migration Flyway applies, inside its lock. */
    private static final class SnapshotCallback implements Callback {
        private final PreMigrationHook hook;
        private final DatabaseTarget target;
        private final String versionBefore;
        private volatile Snapshot taken;

        SnapshotCallback(PreMigrationHook hook, DatabaseTarget target, String versionBefore) {
            this.hook = hook;
            this.target = target;
            this.versionBefore = versionBefore;
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE && taken == null;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            if (taken != null) {
                return;
            }
            MigrationInfo first = context.getMigrationInfo();
            try {
                taken = hook.beforeMigrate(new PreMigrationHook.Context(target, versionBefore,
                        first == null ? null : version(first), context.getConnection()));
            } catch (PgnestException e) {
                throw e;
            } catch (Exception e) {
                throw new HookFailure(e);
            }
        }

        @Override
        public String getCallbackName() {
            return "pgnest-pre-migration-snapshot";
        }
    }

    private static final class HookFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HookFailure(Exception cause) {
            super(cause);
        }
    }

    // ---------------------------------------------------------------------------------------
    // status and validate

    /** Every migration known to the files or the history, with its state. */
    public StatusReport status() {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().status();
        }
        MigrationInfoService info = flyway(() -> configure().load().info());
        List<StatusReport.Row> rows = new ArrayList<>();
        for (MigrationInfo m : info.all()) {
            MigrationStatus status = statusOf(m);
            if (status == null) {
                continue;
            }
            rows.add(new StatusReport.Row(version(m), m.getDescription(), m.getScript(), status,
                    m.getInstalledOn() == null ? null : m.getInstalledOn().toInstant(),
                    m.getExecutionTime() == null ? null : Duration.ofMillis(m.getExecutionTime())));
        }
        return new StatusReport(settings.target().name(), currentVersion(info), rows);
    }

    static MigrationStatus statusOf(MigrationInfo m) {
        return switch (m.getState()) {
            case SUCCESS, OUT_OF_ORDER -> m.getResolvedChecksum() != null && m.getAppliedChecksum() != null
                    && !m.isChecksumMatching() ? MigrationStatus.CHECKSUM_CHANGED : MigrationStatus.APPLIED;
            case SUPERSEDED -> MigrationStatus.APPLIED;
            case PENDING, ABOVE_TARGET, OUTDATED, AVAILABLE, UNDONE -> MigrationStatus.PENDING;
            case FAILED, MISSING_FAILED, FUTURE_FAILED -> MigrationStatus.FAILED;
            case MISSING_SUCCESS, FUTURE_SUCCESS -> MigrationStatus.MISSING_LOCALLY;
            case BASELINE -> MigrationStatus.BASELINE;
            case IGNORED -> MigrationStatus.IGNORED;
            case BELOW_BASELINE, BASELINE_IGNORED -> MigrationStatus.BELOW_BASELINE;
            case DELETED -> null; // marked as deleted by a repair: history only
        };
    }

    /** Checks every applied migration against its file: edited, missing, or failed. */
    public ValidationReport validate() {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().validate();
        }
        MigrationInfoService info = flyway(() -> configure().load().info());
        List<ValidationReport.Problem> problems = new ArrayList<>();
        int checked = 0;
        for (MigrationInfo m : info.all()) {
            MigrationStatus status = statusOf(m);
            if (status == null || !m.getState().isApplied()) {
                continue;
            }
            checked++;
            String name = (m.getVersion() == null ? "repeatable " : "V" + version(m) + " ") + "(" + m.getScript() + ")";
            switch (status) {
                case CHECKSUM_CHANGED -> problems.add(new ValidationReport.Problem(version(m), m.getDescription(),
                        m.getScript(), status, name + " was edited after it was applied: checksum "
                        + m.getAppliedChecksum() + " in the database, " + m.getResolvedChecksum() + " in the file"));
                case MISSING_LOCALLY -> problems.add(new ValidationReport.Problem(version(m), m.getDescription(),
                        m.getScript(), status, name + " is applied but its file is not in " + String.join(", ", settings.locations())));
                case FAILED -> problems.add(new ValidationReport.Problem(version(m), m.getDescription(),
                        m.getScript(), status, name + " failed and is still recorded as failed"));
                default -> {
                    if (m.getResolvedDescription() != null && !m.isDescriptionMatching()) {
                        problems.add(new ValidationReport.Problem(version(m), m.getDescription(), m.getScript(),
                                MigrationStatus.CHECKSUM_CHANGED, name + " was renamed after it was applied: '"
                                + m.getAppliedDescription() + "' in the database, '" + m.getResolvedDescription() + "' in the file"));
                    }
                }
            }
        }
        return new ValidationReport(settings.target().name(), checked, problems);
    }

    // ---------------------------------------------------------------------------------------
    // resolve and baseline

    /**
     * Prisma's {@code resolve --rolled-back}: forgets a failed attempt so deploy runs the
     * (fixed) file again. Flyway's repair would do this too, but it also silently re-aligns
     * the checksums of edited migrations, hiding what status must show; so only the failed
     * history row of this version is removed.
     */
    public ResolveResult resolveRolledBack(String version) {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().resolveRolledBack(version);
        }
        MigrationInfo m = find(version);
        MigrationStatus before = statusOf(m);
        if (before != MigrationStatus.FAILED) {
            throw new PgnestException(ErrorKind.USAGE, "migration " + version + " is not failed (it is " + describe(before) + ")",
                    "--rolled-back only applies to failed migrations; pgnest migrate status shows them");
        }
        updateHistory(version, (c, table) -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE version = ? AND NOT success")) {
                ps.setString(1, version);
                ps.executeUpdate();
            }
        });
        return new ResolveResult(settings.target().name(), version, ResolveResult.Action.ROLLED_BACK, before,
                statusOf(find(version)));
    }

    /**
     * Prisma's {@code resolve --applied}: records a failed migration, or the next pending one,
     * as applied without running it, for when its changes were made by hand. The file's
     * current checksum is recorded, so validate stays quiet about it.
     */
    public ResolveResult resolveApplied(String version) {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().resolveApplied(version);
        }
        MigrationInfo m = find(version);
        MigrationStatus before = statusOf(m);
        if (before == MigrationStatus.FAILED) {
            updateHistory(version, (c, table) -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                        + " SET success = true, checksum = coalesce(?, checksum) WHERE version = ? AND NOT success")) {
                    if (m.getResolvedChecksum() == null) {
                        ps.setNull(1, java.sql.Types.INTEGER);
                    } else {
                        ps.setInt(1, m.getResolvedChecksum());
                    }
                    ps.setString(2, version);
                    ps.executeUpdate();
                }
            });
        } else if (before == MigrationStatus.PENDING) {
            MigrationInfoService info = flyway(() -> configure().load().info());
            MigrationInfo first = info.pending().length == 0 ? null : info.pending()[0];
            if (first == null || !version.equals(version(first))) {
                throw new PgnestException(ErrorKind.USAGE, "migration " + version + " is not the next pending migration (that is "
                        + (first == null ? "none" : version(first)) + ")",
                        "resolve pending migrations in order, or adopt an existing database with pgnest migrate baseline --version "
                                + version);
            }
            updateHistory(version, (c, table) -> insertHistoryRow(c, table, m, true));
        } else {
            throw new PgnestException(ErrorKind.USAGE, "migration " + version + " cannot be marked applied (it is "
                    + describe(before) + ")", "--applied only applies to failed or the next pending migration");
        }
        return new ResolveResult(settings.target().name(), version, ResolveResult.Action.APPLIED, before,
                statusOf(find(version)));
    }

    private interface HistoryUpdate {
        void apply(Connection c, String table) throws SQLException;
    }

    private void updateHistory(String version, HistoryUpdate update) {
        try (Connection c = connect()) {
            String table = historyTable(c);
            if (table == null) {
                throw new PgnestException(ErrorKind.MIGRATION, "target " + settings.target().name() + " has no schema history table yet",
                        "run pgnest migrate deploy or pgnest migrate baseline first");
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // A deploy writing the history at the same time waits for this (and vice versa).
                st.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
                update.apply(c, table);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "updating the schema history for migration " + version
                    + " failed: " + firstLine(e.getMessage()), "check the target's permissions on the history table", e);
        }
    }

    private MigrationInfo find(String version) {
        MigrationInfoService info = flyway(() -> configure().load().info());
        MigrationInfo found = null;
        for (MigrationInfo m : info.all()) {
            if (m.getVersion() != null && m.getVersion().equals(MigrationVersion.fromVersion(version))) {
                found = m; // the last entry wins: a failed attempt after an older one
            }
        }
        if (found == null) {
            throw new PgnestException(ErrorKind.USAGE, "no migration with version " + version + " in the files or the history of "
                    + settings.target().name(), "pgnest migrate status lists the known versions");
        }
        return found;
    }

    /**
     * Adopts an existing database: records {@code version} as its baseline, so deploy
     * applies only migrations newer than it. Refused when migrations are already applied.
     */
    public BaselineResult baseline(String version, String description) {
        Optional<PrismaMigrations> prisma = prisma();
        if (prisma.isPresent()) {
            return prisma.get().baseline(version);
        }
        String desc = description == null || description.isBlank() ? "baseline" : description;
        flyway(() -> configure().baselineVersion(version).baselineDescription(desc).load().baseline());
        MigrationInfoService info = flyway(() -> configure().load().info());
        String now = version(info.current());
        if (!version.equals(now) && Arrays.stream(info.applied()).noneMatch(m -> m.getState() == org.flywaydb.core.api.MigrationState.BASELINE)) {
            throw new PgnestException(ErrorKind.MIGRATION, "baseline of " + settings.target().name() + " was not recorded",
                    "check pgnest migrate status");
        }
        return new BaselineResult(settings.target().name(), version, desc);
    }

    // ---------------------------------------------------------------------------------------
    // reset

    /**
     * Drops every object in the managed schemas and applies all migrations again. Only for
     * targets marked {@link Environment#DEVELOPMENT}, and only with {@code force}.
     */
    public ResetReport reset(boolean force) {
        List<String> cleaned = clean(force);
        // A fresh, empty database: nothing to lock against, so lint findings are reported, not enforced.
        DeployReport deploy = deploy(new DeployOptions(false, true, PreMigrationHook.NONE));
        return new ResetReport(settings.target().name(), cleaned, deploy);
    }

    /**
     * Drops every object in the managed schemas, history included. Same guard as
     * {@link #reset(boolean)}; returns the schemas emptied.
     */
    public List<String> clean(boolean force) {
        DatabaseTarget target = settings.target();
        if (target.environment() != Environment.DEVELOPMENT) {
            throw new PgnestException(ErrorKind.USAGE, "refusing to reset target " + target.name()
                    + ": it is not marked as a development environment (it is " + target.environment().name().toLowerCase()
                    + ")", "reset drops all data; only a target whose environment is development can be reset");
        }
        if (!force) {
            throw new PgnestException(ErrorKind.USAGE, "reset drops every object and row in target " + target.name(),
                    "add --force to confirm");
        }
        CleanResult clean = flyway(() -> configure().cleanDisabled(false).load().clean());
        List<String> cleaned = new ArrayList<>();
        if (clean.schemasCleaned != null) {
            cleaned.addAll(clean.schemasCleaned);
        }
        return cleaned;
    }

    // ---------------------------------------------------------------------------------------
    // plumbing

    FluentConfiguration configure() {
        return configure(null);
    }

    /**
     * The Prisma Migrate project the locations name, read anew on each call (files change
     * between calls); empty for Flyway's layout.
     */
    private Optional<PrismaMigrations> prisma() {
        return PrismaLayout.detect(settings.locations()).map(layout -> new PrismaMigrations(this, layout));
    }

    /** The table that holds the target's migration history: Flyway's, or Prisma's {@code _prisma_migrations}. */
    public String historyTableName() {
        return prisma().isPresent() ? PrismaHistory.TABLE : settings.historyTable();
    }

    private FluentConfiguration configure(String targetVersion) {
        DatabaseTarget t = settings.target();
        Map<String, String> props = new LinkedHashMap<>();
        // Session-level advisory lock: with the default transaction-level one, a migration
        // running CREATE INDEX CONCURRENTLY waits forever for the lock holder's transaction.
        props.put("flyway.postgresql.transactional.lock", "false");
        FluentConfiguration c = Flyway.configure(classLoader())
                .configuration(props)
                .dataSource(t.jdbcUrl(), t.user(), t.password())
                .locations(settings.locations().stream().filter(l -> !isPrismaLocation(l)).toArray(String[]::new))
                .table(settings.historyTable())
                .cleanDisabled(true)
                .validateMigrationNaming(true)
                .failOnMissingLocations(true)
                .mixed(false)
                .outOfOrder(false)
                .connectRetries(0)
                // Flyway polls pg_try_advisory_lock once a second; its default of 50 tries makes
                // a deploy give up while another one builds a large index. Wait up to 15 minutes.
                .lockRetryCount(LOCK_WAIT_SECONDS);
        if (!settings.schemas().isEmpty()) {
            c.schemas(settings.schemas().toArray(String[]::new));
        }
        if (targetVersion != null) {
            c.target(targetVersion);
        }
        return c;
    }

    private static boolean isPrismaLocation(String location) {
        return !location.startsWith("classpath:")
                && PrismaLayout.isPrisma(java.nio.file.Path.of(location.replaceFirst("^filesystem:", "")));
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : Migrations.class.getClassLoader();
    }

    /** A connection to the target, for callers that inspect it (drift); the caller closes it. */
    public Connection connect() throws SQLException {
        DatabaseTarget t = settings.target();
        try {
            return Databases.open(t.jdbcUrl(), t.user(), t.password(), "pgnest migrate", Map.of());
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot connect to target " + t.name() + " at "
                    + redactedUrl(t.jdbcUrl()) + ": " + firstLine(e.getMessage()),
                    "check the target's URL, user and password, and that PostgreSQL is running", e);
        }
    }

    /** The quoted, schema-qualified history table, or null when it does not exist yet. */
    private String historyTable(Connection c) throws SQLException {
        return historyTable(c, settings.historyTable());
    }

    String historyTable(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(cl.relname) FROM pg_class cl"
                        + " JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.relname = ? AND n.nspname = "
                        + (settings.schemas().isEmpty() ? "current_schema()" : "?"))) {
            ps.setString(1, name);
            if (!settings.schemas().isEmpty()) {
                ps.setString(2, settings.schemas().get(0));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private <T> T flyway(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (FlywayException e) {
            throw translate(e);
        }
    }

    private PgnestException translate(FlywayException e) {
        String message = firstLine(e.getMessage());
        DatabaseTarget t = settings.target();
        String lower = String.valueOf(e.getMessage()).toLowerCase();
        if (lower.contains("unable to obtain connection") || lower.contains("connection refused")
                || lower.contains("password authentication failed")) {
            return new PgnestException(ErrorKind.DATABASE, "cannot connect to target " + t.name() + " at "
                    + redactedUrl(t.jdbcUrl()) + ": " + firstLine(rootSqlMessage(e)),
                    "check the target's URL, user and password, and that PostgreSQL is running", e);
        }
        if (lower.contains("unable to resolve location") || lower.contains("location") && lower.contains("does not exist")) {
            return new PgnestException(ErrorKind.CONFIG, "migration location not found: " + message,
                    "check the migration locations (filesystem:<dir> or classpath:<package>)", e);
        }
        if (lower.contains("checksum mismatch") || lower.contains("validate failed")) {
            return new PgnestException(ErrorKind.MIGRATION, "applied migrations do not match their files: " + message,
                    "run pgnest migrate validate for the list; restore the edited files (applied migrations must not change)", e);
        }
        if (lower.contains("baseline") && lower.contains("already")) {
            return new PgnestException(ErrorKind.MIGRATION, "cannot baseline " + t.name() + ": " + message,
                    "baseline adopts databases without migration history; this one has it (see pgnest migrate status)", e);
        }
        if (lower.contains("non-empty schema") || lower.contains("without schema history table")) {
            return new PgnestException(ErrorKind.MIGRATION, "target " + t.name()
                    + " already has tables but no migration history", "adopt it first: pgnest migrate baseline --version <version it matches>", e);
        }
        return new PgnestException(ErrorKind.MIGRATION, message, "see pgnest migrate status", e);
    }

    /** The last successfully applied version (Flyway's current() may be a failed one). */
    static String currentVersion(MigrationInfoService info) {
        String current = null;
        for (MigrationInfo m : info.applied()) {
            if (m.getVersion() != null && !m.getState().isFailed() && m.getState() != org.flywaydb.core.api.MigrationState.DELETED) {
                current = version(m);
            }
        }
        return current;
    }

    static String version(MigrationInfo m) {
        return m == null || m.getVersion() == null ? null : m.getVersion().getVersion();
    }

    private static String describe(MigrationStatus status) {
        return status.name().toLowerCase().replace('_', ' ');
    }

    public static String redactedUrl(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    static String rootSqlMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                message = t.getMessage();
            }
        }
        return message;
    }

    public static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
