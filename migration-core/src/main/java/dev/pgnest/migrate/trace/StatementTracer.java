package dev.pgnest.migrate.trace;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.PlannedMigration;
import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.migrate.lint.SqlScript;
import dev.pgnest.migrate.trace.TraceReport.Failure;
import dev.pgnest.migrate.trace.TraceReport.Lock;
import dev.pgnest.migrate.trace.TraceReport.Rewrite;
import dev.pgnest.migrate.trace.TraceReport.TracedMigration;
import dev.pgnest.migrate.trace.TraceReport.TracedStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs migrations statement by statement on a database that may be thrown away (a restored
 * copy, a shadow) and records what each statement did: the relation locks it took (the
 * session's pg_locks, diffed statement by statement), the relations it rewrote (their
 * pg_class.relfilenode changed), its duration and rows, or the error it ended with.
 *
 * <p>A transactional migration runs in one transaction, as deploy runs it, so a lock is held
 * from the statement that took it until the commit. Statements that PostgreSQL runs only
 * outside a transaction (CREATE INDEX CONCURRENTLY, ...) release their locks before pg_locks
 * can be read; their locks are marked not traced.
 *
 * <p>Only relations with user oids (16384 and above) count: the catalog rows the tracer's own
 * queries lock are not the migration's.
 */
public final class StatementTracer {
    private static final String USER_RELATIONS = "c.oid >= 16384 AND c.relkind IN ('r', 'p', 'i', 'I', 'm', 'S')"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";
    private static final Pattern COUNTS_ROWS = Pattern.compile("^(WITH .*)?(INSERT|UPDATE|DELETE|MERGE|COPY)\\b");

    private record Relation(String name, String kind, long relfilenode, long size) {
    }

    private record HeldLock(long oid, String mode) {
    }

    private final TraceReport.Limits limits;

    public StatementTracer(TraceReport.Limits limits) {
        this.limits = limits;
    }

    /**
     * Plans the migrations pending on the database of {@code scratch} as deploy would (Flyway's
     * or Prisma's history there decides what is pending) and traces them there. The database is
     * changed: give it only a copy.
     */
    public TraceReport tracePending(MigrationSettings scratch) {
        Migrations migrations = new Migrations(scratch);
        DeployReport plan = migrations.deploy(new DeployOptions(true, true, PreMigrationHook.NONE));
        try (Connection c = migrations.connect()) {
            return trace(c, plan.plan());
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "closing the connection to " + scratch.target().name() + " failed: "
                    + Migrations.firstLine(e.getMessage()), "check the scratch database", e);
        }
    }

    /**
     * Applies {@code plan} on {@code c} (left in autocommit) and reports each statement. Stops
     * at the first failing statement: the migrations after it would run on a schema deploy
     * never reaches.
     */
    public TraceReport trace(Connection c, List<PlannedMigration> plan) {
        try {
            c.setAutoCommit(true);
            Map<Long, Relation> before = relations(c);
            List<TracedMigration> traced = new ArrayList<>();
            for (PlannedMigration migration : plan) {
                TracedMigration done = migration.transactional() ? inTransaction(c, migration, before)
                        : statementByStatement(c, migration, before);
                traced.add(done);
                if (done.statements().stream().anyMatch(s -> s.failure() != null)) {
                    break;
                }
            }
            return new TraceReport(traced, limits);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "tracing the migrations failed: " + Migrations.firstLine(e.getMessage()),
                    "check the scratch database's permissions on pg_locks and pg_class", e);
        }
    }

    private TracedMigration inTransaction(Connection c, PlannedMigration migration, Map<Long, Relation> before)
            throws SQLException {
        List<SqlScript.Statement> statements = SqlScript.parse(migration.sql()).statements();
        List<TracedStatement> done = new ArrayList<>();
        // per statement: its new locks and when it started; held times are known at the commit
        List<Map<HeldLock, String>> taken = new ArrayList<>();
        List<Long> started = new ArrayList<>();
        c.setAutoCommit(false);
        boolean failed = false;
        try {
            Map<HeldLock, String> held = locks(c);
            for (SqlScript.Statement s : statements) {
                Map<Long, Long> files = relfilenodes(c);
                long start = System.nanoTime();
                Run run = run(c, s);
                long end = System.nanoTime();
                if (run.failure != null) {
                    done.add(new TracedStatement(s.line(), s.text(), Duration.ofNanos(end - start), null, List.of(), false,
                            List.of(), run.failure));
                    failed = true;
                    break;
                }
                Map<HeldLock, String> now = locks(c);
                Map<HeldLock, String> fresh = new LinkedHashMap<>(now);
                fresh.keySet().removeAll(held.keySet());
                held = now;
                taken.add(fresh);
                started.add(start);
                done.add(new TracedStatement(s.line(), s.text(), Duration.ofNanos(end - start), run.rows, List.of(), true,
                        rewrites(files, relfilenodes(c), before), null));
            }
        } finally {
            if (failed) {
                c.rollback();
            } else {
                c.commit();
            }
            c.setAutoCommit(true);
        }
        long committed = System.nanoTime();
        List<TracedStatement> out = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            TracedStatement s = done.get(i);
            if (i < taken.size()) {
                // held from the statement that took it until the transaction ended (commit or rollback)
                Duration held = Duration.ofNanos(committed - started.get(i));
                List<Lock> locks = new ArrayList<>();
                taken.get(i).forEach((lock, name) -> {
                    // a relation gone by now that was not there before: the transient heap of a rewrite
                    if (name != null || before.containsKey(lock.oid())) {
                        locks.add(lock(lock, name, before, held));
                    }
                });
                s = new TracedStatement(s.line(), s.sql(), s.duration(), s.rows(), locks, true, s.rewrites(), null);
            }
            out.add(s);
        }
        return new TracedMigration(migration.version(), migration.script(), true, out);
    }

    private TracedMigration statementByStatement(Connection c, PlannedMigration migration, Map<Long, Relation> before)
            throws SQLException {
        List<TracedStatement> out = new ArrayList<>();
        for (SqlScript.Statement s : SqlScript.parse(migration.sql()).statements()) {
            Map<Long, Long> files = relfilenodes(c);
            long start = System.nanoTime();
            Run run = run(c, s);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            out.add(new TracedStatement(s.line(), s.text(), took, run.rows, List.of(), false,
                    run.failure == null ? rewrites(files, relfilenodes(c), before) : List.of(), run.failure));
            if (run.failure != null) {
                break;
            }
        }
        return new TracedMigration(migration.version(), migration.script(), false, out);
    }

    private record Run(Long rows, Failure failure) {
    }

    private static Run run(Connection c, SqlScript.Statement s) throws SQLException {
        try (Statement st = c.createStatement()) {
            boolean results = st.execute(s.text());
            long count = results ? -1 : st.getLargeUpdateCount();
            return new Run(COUNTS_ROWS.matcher(s.normalized()).find() && count >= 0 ? count : null, null);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("08")) {
                throw e; // the connection is gone: not the migration's failure
            }
            return new Run(null, new Failure(state, Migrations.firstLine(e.getMessage()),
                    state.startsWith("22") || state.startsWith("23")));
        }
    }

    private static Lock lock(HeldLock lock, String name, Map<Long, Relation> before, Duration held) {
        Relation existing = before.get(lock.oid());
        return new Lock(existing != null ? existing.name() : name, lock.mode(), existing != null,
                existing == null ? null : existing.size(), held);
    }

    private static List<Rewrite> rewrites(Map<Long, Long> files, Map<Long, Long> after, Map<Long, Relation> before) {
        List<Rewrite> out = new ArrayList<>();
        files.forEach((oid, file) -> {
            Long now = after.get(oid);
            Relation existing = before.get(oid);
            if (now != null && !now.equals(file) && existing != null) {
                out.add(new Rewrite(existing.name(), existing.kind(), existing.size()));
            }
        });
        return out;
    }

    /** The session's granted relation locks on user relations, with the relation's name (null when it is gone). */
    private static Map<HeldLock, String> locks(Connection c) throws SQLException {
        Map<HeldLock, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT l.relation::bigint, l.mode,"
                     + " quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
                     + " FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace"
                     + " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384::oid"
                     + " ORDER BY 3, 2, 1")) {
            while (rs.next()) {
                out.put(new HeldLock(rs.getLong(1), rs.getString(2)), rs.getString(3));
            }
        }
        return out;
    }

    private static Map<Long, Long> relfilenodes(Connection c) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.oid::bigint, c.relfilenode::bigint FROM pg_class c"
                     + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + USER_RELATIONS)) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** Every user relation before the migrations, with its size (the table's with its indexes and TOAST). */
    private static Map<Long, Relation> relations(Connection c) throws SQLException {
        Map<Long, Relation> out = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.oid::bigint, quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
                     + " CASE c.relkind WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'm' THEN 'materialized view'"
                     + " WHEN 'S' THEN 'sequence' ELSE 'table' END, c.relfilenode::bigint, pg_total_relation_size(c.oid)"
                     + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + USER_RELATIONS)) {
            while (rs.next()) {
                out.put(rs.getLong(1), new Relation(rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
            }
        }
        return out;
    }
}
