package dev.pgnest.migrate;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.SqlScript;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The migration workflow on a Prisma Migrate project as it is: the migrations of a
 * {@link PrismaLayout}, the history in {@code _prisma_migrations} ({@link PrismaHistory}).
 * Deploy follows Prisma's apply_migrations (refuse while a migration is failed, apply every
 * local migration without a live row, in name order) and adds pgnest's lint gate, dry run and
 * pre-migration snapshot; resolve follows Prisma's markMigrationApplied / RolledBack.
 */
final class PrismaMigrations {
    private final Migrations owner;
    private final PrismaLayout layout;

    PrismaMigrations(Migrations owner, PrismaLayout layout) {
        this.owner = owner;
        this.layout = layout;
    }

    /** A migration's name with its local file, if any, and its rows that are not rolled back. */
    private record Entry(String name, PrismaLayout.Migration local, List<PrismaHistory.Row> live) {
        PrismaHistory.Row last() {
            return live.isEmpty() ? null : live.get(live.size() - 1);
        }

        String version() {
            return local != null ? local.version() : PrismaLayout.versionOf(name);
        }

        String description() {
            return local != null ? local.description() : name.substring(Math.min(name.length(), version().length() + 1));
        }

        /** Null for a migration known only from rolled-back attempts: history, nothing to show. */
        MigrationStatus status() {
            PrismaHistory.Row row = last();
            if (row == null) {
                return local == null ? null : MigrationStatus.PENDING;
            }
            if (row.failed()) {
                return MigrationStatus.FAILED;
            }
            if (local == null) {
                return MigrationStatus.MISSING_LOCALLY;
            }
            return local.matches(row.checksum()) ? MigrationStatus.APPLIED : MigrationStatus.CHECKSUM_CHANGED;
        }
    }

    // ---------------------------------------------------------------------------------------
    // status and validate

    StatusReport status() {
        List<Entry> entries = withConnection((c, history) -> entries(history == null ? List.of() : history.rows(c)));
        List<StatusReport.Row> rows = new ArrayList<>();
        for (Entry e : entries) {
            MigrationStatus status = e.status();
            if (status == null) {
                continue;
            }
            PrismaHistory.Row row = e.last();
            rows.add(new StatusReport.Row(e.version(), e.description(), script(e.name()), status,
                    row == null ? null : row.finishedAt() != null ? row.finishedAt() : row.startedAt(),
                    row == null || row.finishedAt() == null ? null : Duration.between(row.startedAt(), row.finishedAt())));
        }
        return new StatusReport(owner.settings().target().name(), currentVersion(entries), rows);
    }

    ValidationReport validate() {
        List<Entry> entries = withConnection((c, history) -> entries(history == null ? List.of() : history.rows(c)));
        List<ValidationReport.Problem> problems = new ArrayList<>();
        int checked = 0;
        for (Entry e : entries) {
            MigrationStatus status = e.status();
            if (status == null || status == MigrationStatus.PENDING) {
                continue;
            }
            checked++;
            String name = e.name() + " (" + script(e.name()) + ")";
            String message = switch (status) {
                case CHECKSUM_CHANGED -> name + " was edited after it was applied: checksum " + e.last().checksum()
                        + " in _prisma_migrations, " + e.local().checksum() + " in the file";
                case MISSING_LOCALLY -> name + " is applied but its directory is not in " + layout.directory();
                case FAILED -> name + " failed and is still recorded as failed" + logs(e.last());
                default -> null;
            };
            if (message != null) {
                problems.add(new ValidationReport.Problem(e.version(), e.description(), script(e.name()), status, message));
            }
        }
        return new ValidationReport(owner.settings().target().name(), checked, problems);
    }

    // ---------------------------------------------------------------------------------------
    // deploy

    DeployReport deploy(DeployOptions options, String upTo) {
        DatabaseTarget target = owner.settings().target();
        String last = upTo == null ? null : find(upTo, List.of()).name();
        try (Connection c = owner.connect()) {
            lock(c);
            try {
                PrismaHistory history = history(c);
                if (history == null && !options.dryRun()) {
                    refuseNonEmptySchema(c);
                    history = createHistory(c);
                }
                List<Entry> entries = entries(history == null ? List.of() : history.rows(c));
                failIfFailed(entries);
                String before = currentVersion(entries);
                List<PlannedMigration> plan = new ArrayList<>();
                List<PrismaLayout.Migration> pending = new ArrayList<>();
                List<Finding> findings = new ArrayList<>();
                for (Entry e : entries) {
                    if (e.local() != null && e.live().isEmpty() && (last == null || e.name().compareTo(last) <= 0)) {
                        pending.add(e.local());
                        plan.add(owner.plan(e.version(), e.description(), script(e.name()), e.local().read(), options, findings));
                    }
                }
                if (options.dryRun() || plan.isEmpty()) {
                    return new DeployReport(target.name(), options.dryRun(), before, before, plan, List.of(), findings, null);
                }
                Migrations.refuseUnsafe(findings, options);
                Snapshot snapshot = target.environment() == Environment.PROTECTED
                        ? snapshot(options.hook(), target, before, pending.get(0).version(), c) : null;
                List<DeployReport.Applied> applied = new ArrayList<>();
                List<String> invalidBefore = DeploySafety.invalidIndexes(c);
                for (int i = 0; i < pending.size(); i++) {
                    applied.add(apply(c, history, pending.get(i), plan.get(i), options, invalidBefore));
                }
                String after = currentVersion(entries(history.rows(c)));
                return new DeployReport(target.name(), false, before, after, plan, applied, findings, snapshot);
            } finally {
                unlock(c);
            }
        } catch (SQLException e) {
            throw bookkeepingFailed(e);
        }
    }

    /**
     * Runs one migration under deploy's timeouts; a lock timeout is retried on the same history
     * row, so _prisma_migrations shows one attempt, finished or failed, as Prisma would.
     */
    private DeployReport.Applied apply(Connection c, PrismaHistory history, PrismaLayout.Migration m, PlannedMigration planned,
                                       DeployOptions options, List<String> invalidBefore) throws SQLException {
        long start = System.nanoTime();
        String id = history.started(c, m.name(), PrismaLayout.checksum(planned.sql()));
        DeploySafety safety = owner.settings().safety();
        for (int attempt = 1; ; attempt++) {
            try {
                safety.before(c, planned.sql());
                run(c, planned);
                break;
            } catch (SQLException e) {
                List<String> left = planned.transactional() ? List.of() : DeploySafety.newInvalidIndexes(c, invalidBefore);
                if (DeploySafety.isLockTimeout(e) && (left.isEmpty() || options.dropInvalidIndexes())
                        && safety.waitBeforeRetry(script(m.name()), attempt, e)) {
                    DeploySafety.drop(c, left);
                    continue;
                }
                history.failed(c, id, "Migration name: " + m.name() + "\n\nDatabase error code: " + e.getSQLState()
                        + "\n\nDatabase error:\n" + e.getMessage());
                String state = planned.transactional()
                        ? "; its changes were rolled back and it is recorded as failed in _prisma_migrations"
                        : "; it ran outside a transaction, so statements before the failing one stay applied";
                throw new PgnestException(ErrorKind.MIGRATION, "migration " + m.name() + " failed: "
                        + Migrations.firstLine(e.getMessage()) + state + DeploySafety.leftBehind(left),
                        "fix " + script(m.name()) + (planned.transactional() ? "" : left.isEmpty()
                                ? ", undo what it applied part-way" : DeploySafety.dropHint(left, DeploySafety.isLockTimeout(e)))
                                + ", then run pgnest migrate resolve --rolled-back " + m.name() + " and deploy again", e);
            }
        }
        history.finished(c, id);
        return new DeployReport.Applied(m.version(), m.description(), planned.script(), planned.transactional(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** One transaction for the script where PostgreSQL allows it; else statement by statement. */
    private static void run(Connection c, PlannedMigration planned) throws SQLException {
        if (!planned.transactional()) {
            try (Statement st = c.createStatement()) {
                for (SqlScript.Statement s : SqlScript.parse(planned.sql()).statements()) {
                    st.execute(s.text());
                }
            }
            return;
        }
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute(planned.sql());
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static Snapshot snapshot(PreMigrationHook hook, DatabaseTarget target, String before, String firstPending, Connection c) {
        try {
            return hook.beforeMigrate(new PreMigrationHook.Context(target, before, firstPending, c));
        } catch (PgnestException e) {
            throw e;
        } catch (Exception e) {
            throw new PgnestException(ErrorKind.MIGRATION, "the pre-migration snapshot failed, nothing was applied: "
                    + Migrations.firstLine(String.valueOf(e.getMessage())),
                    "fix the snapshot (backup storage, permissions) and deploy again", e);
        }
    }

    private void failIfFailed(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.status() == MigrationStatus.FAILED) {
                throw new PgnestException(ErrorKind.MIGRATION, "migration " + e.name() + " started at " + e.last().startedAt()
                        + " is recorded as failed in _prisma_migrations of " + owner.settings().target().name() + logs(e.last()),
                        "fix the database and the file, then run pgnest migrate resolve --rolled-back " + e.name()
                                + " (or --applied " + e.name() + " if it was completed by hand) and deploy again");
            }
        }
    }

    /** Prisma's P3005: a database with tables but no history must be baselined, not migrated over. */
    private void refuseNonEmptySchema(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT string_agg(relname, ', ' ORDER BY relname) FROM pg_class"
                + " WHERE relkind IN ('r', 'p') AND relnamespace = to_regnamespace(" + schemaExpression() + ")")) {
            bindSchema(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                String tables = rs.next() ? rs.getString(1) : null;
                if (tables != null) {
                    String first = layout.migrations().isEmpty() ? "<name>" : layout.migrations().get(0).name();
                    throw new PgnestException(ErrorKind.MIGRATION, "target " + owner.settings().target().name()
                            + " has tables (" + abbreviate(tables) + ") but no _prisma_migrations history",
                            "baseline it as with Prisma: pgnest migrate resolve --applied " + first
                                    + " for each migration it already has (or pgnest migrate baseline --version <last one>)");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // resolve and baseline

    /** Prisma's markMigrationRolledBack: every failed attempt of the migration gets rolled_back_at. */
    ResolveResult resolveRolledBack(String nameOrVersion) {
        return withLockedHistory((c, history) -> {
            Entry e = find(nameOrVersion, history.rows(c));
            MigrationStatus before = e.status();
            if (e.live().isEmpty()) {
                throw new PgnestException(ErrorKind.USAGE, "migration " + e.name() + " cannot be rolled back: it was never applied",
                        "--rolled-back only applies to failed migrations; pgnest migrate status shows them");
            }
            if (e.live().stream().anyMatch(PrismaHistory.Row::applied)) {
                throw new PgnestException(ErrorKind.USAGE, "migration " + e.name() + " cannot be rolled back: it is not failed (it is "
                        + describe(before) + ")", "--rolled-back only applies to failed migrations; pgnest migrate status shows them");
            }
            for (PrismaHistory.Row row : e.live()) {
                history.rolledBack(c, row.id());
            }
            return new ResolveResult(owner.settings().target().name(), e.name(), ResolveResult.Action.ROLLED_BACK, before,
                    find(e.name(), history.rows(c)).status());
        });
    }

    /**
     * Prisma's markMigrationApplied: a failed attempt is rolled back, then a new row records the
     * migration as applied with the file's checksum. Any unapplied migration may be marked, as
     * Prisma allows: that is how a database is baselined.
     */
    ResolveResult resolveApplied(String nameOrVersion) {
        return withLockedHistory((c, history) -> {
            Entry e = find(nameOrVersion, history.rows(c));
            MigrationStatus before = e.status();
            markApplied(c, history, e);
            return new ResolveResult(owner.settings().target().name(), e.name(), ResolveResult.Action.APPLIED, before,
                    find(e.name(), history.rows(c)).status());
        });
    }

    /** Marks every migration up to {@code nameOrVersion} applied that is not yet: Prisma's baselining in one step. */
    BaselineResult baseline(String nameOrVersion) {
        return withLockedHistory((c, history) -> {
            Entry upTo = find(nameOrVersion, history.rows(c));
            for (Entry e : entries(history.rows(c))) {
                if (e.local() != null && e.name().compareTo(upTo.name()) <= 0 && e.status() != MigrationStatus.APPLIED
                        && e.status() != MigrationStatus.CHECKSUM_CHANGED) {
                    markApplied(c, history, e);
                }
            }
            return new BaselineResult(owner.settings().target().name(), upTo.version(), upTo.name());
        });
    }

    private void markApplied(Connection c, PrismaHistory history, Entry e) throws SQLException {
        if (e.local() == null) {
            throw new PgnestException(ErrorKind.USAGE, "migration " + e.name() + " is not in " + layout.directory(),
                    "--applied records a local migration; restore its directory first");
        }
        if (e.live().stream().anyMatch(PrismaHistory.Row::applied)) {
            throw new PgnestException(ErrorKind.USAGE, "migration " + e.name() + " is already recorded as applied",
                    "--applied only applies to failed or pending migrations; pgnest migrate status shows them");
        }
        for (PrismaHistory.Row row : e.live()) {
            history.rolledBack(c, row.id());
        }
        history.markedApplied(c, e.name(), e.local().checksum());
    }

    // ---------------------------------------------------------------------------------------
    // plumbing

    private List<Entry> entries(List<PrismaHistory.Row> rows) {
        TreeSet<String> names = new TreeSet<>();
        layout.migrations().forEach(m -> names.add(m.name()));
        rows.forEach(r -> names.add(r.name()));
        List<Entry> entries = new ArrayList<>();
        for (String name : names) {
            entries.add(new Entry(name, layout.migrations().stream().filter(m -> m.name().equals(name)).findFirst().orElse(null),
                    rows.stream().filter(r -> r.name().equals(name) && r.rolledBackAt() == null).toList()));
        }
        return entries;
    }

    private Entry find(String nameOrVersion, List<PrismaHistory.Row> rows) {
        List<Entry> entries = entries(rows);
        Optional<Entry> byName = entries.stream().filter(e -> e.name().equals(nameOrVersion)).findFirst();
        List<Entry> byVersion = entries.stream().filter(e -> e.version().equals(nameOrVersion)).toList();
        if (byName.isPresent()) {
            return byName.get();
        }
        if (byVersion.size() == 1) {
            return byVersion.get(0);
        }
        throw new PgnestException(ErrorKind.USAGE, (byVersion.isEmpty() ? "no migration " : "more than one migration has version ")
                + nameOrVersion + " in " + layout.directory() + " or the _prisma_migrations of " + owner.settings().target().name(),
                "name it by its directory, e.g. " + (byVersion.isEmpty() ? "20240101120000_init" : byVersion.get(0).name())
                        + "; pgnest migrate status lists them");
    }

    /** The version of the last applied migration in Prisma's order. */
    private static String currentVersion(List<Entry> entries) {
        String current = null;
        for (Entry e : entries) {
            PrismaHistory.Row row = e.last();
            if (row != null && row.applied()) {
                current = e.version();
            }
        }
        return current;
    }

    private String script(String name) {
        return name + "/" + PrismaLayout.SCRIPT;
    }

    private interface Work<T> {
        T run(Connection c, PrismaHistory history) throws SQLException;
    }

    /** Reads without the lock: status and validate must not wait behind a running deploy. */
    private <T> T withConnection(Work<T> work) {
        try (Connection c = owner.connect()) {
            return work.run(c, history(c));
        } catch (SQLException e) {
            throw bookkeepingFailed(e);
        }
    }

    /** Under Prisma's lock, creating the table if needed (Prisma's baseline_initialize). */
    private <T> T withLockedHistory(Work<T> work) {
        try (Connection c = owner.connect()) {
            lock(c);
            try {
                PrismaHistory history = history(c);
                return work.run(c, history != null ? history : createHistory(c));
            } finally {
                unlock(c);
            }
        } catch (SQLException e) {
            throw bookkeepingFailed(e);
        }
    }

    private PrismaHistory history(Connection c) throws SQLException {
        String table = owner.historyTable(c, PrismaHistory.TABLE);
        return table == null ? null : new PrismaHistory(table);
    }

    private PrismaHistory createHistory(Connection c) throws SQLException {
        String table;
        try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(" + schemaExpression() + ") || '.' || quote_ident(?)")) {
            int i = bindSchema(ps, 1);
            ps.setString(i, PrismaHistory.TABLE);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                table = rs.getString(1);
            }
        }
        PrismaHistory.create(c, table);
        return new PrismaHistory(table);
    }

    private String schemaExpression() {
        return owner.settings().schemas().isEmpty() ? "current_schema()" : "?";
    }

    private int bindSchema(PreparedStatement ps, int index) throws SQLException {
        if (owner.settings().schemas().isEmpty()) {
            return index;
        }
        ps.setString(index, owner.settings().schemas().get(0));
        return index + 1;
    }

    /** Waits as long as a Flyway deploy would; lock_timeout bounds advisory lock waits too. */
    private void lock(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + Migrations.LOCK_WAIT_SECONDS + "s'");
            try {
                st.execute("SELECT pg_advisory_lock(" + PrismaHistory.LOCK_KEY + ")");
            } catch (SQLException e) {
                if ("55P03".equals(e.getSQLState())) { // lock_not_available: the wait timed out
                    throw new PgnestException(ErrorKind.MIGRATION, "another migration of target " + owner.settings().target().name()
                            + " (pgnest or prisma) held Prisma's migration lock for " + Migrations.LOCK_WAIT_SECONDS + " s",
                            "wait for it to finish, or end the session holding pg_advisory_lock(" + PrismaHistory.LOCK_KEY
                                    + ") (see pg_locks) and deploy again", e);
                }
                throw e;
            }
            st.execute("RESET lock_timeout");
        }
    }

    private static void unlock(Connection c) throws SQLException {
        if (!c.isClosed()) {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_unlock(" + PrismaHistory.LOCK_KEY + ")");
            }
        }
    }

    private PgnestException bookkeepingFailed(SQLException e) {
        return new PgnestException(ErrorKind.DATABASE, "reading or writing _prisma_migrations of target "
                + owner.settings().target().name() + " failed: " + Migrations.firstLine(e.getMessage()),
                "check the target's permissions on _prisma_migrations and its schema", e);
    }

    private static String logs(PrismaHistory.Row row) {
        return row.logs() == null || row.logs().isBlank() ? "" : ": " + abbreviate(lastLine(row.logs()));
    }

    private static String lastLine(String logs) {
        String[] lines = logs.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    private static String describe(MigrationStatus status) {
        return status == null ? "unknown" : status.name().toLowerCase().replace('_', ' ');
    }
}
