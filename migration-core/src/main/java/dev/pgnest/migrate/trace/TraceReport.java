package dev.pgnest.migrate.trace;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What running migrations statement by statement did: per statement the locks it took, the
 * relations it rewrote, how long it ran and how many rows it touched, or why it failed.
 *
 * @param migrations each migration traced, in order; tracing stops at the first failed statement
 * @param limits     the thresholds the verdict was judged by
 */
public record TraceReport(List<TracedMigration> migrations, Limits limits) {

    public TraceReport {
        migrations = List.copyOf(migrations);
        Objects.requireNonNull(limits, "limits");
    }

    /**
     * @param lockHeld longest a write-blocking lock (SHARE or stronger) may be held on a relation that existed before
     * @param rewrite  largest relation (bytes, before) that may be rewritten
     */
    public record Limits(Duration lockHeld, long rewrite) {
        public Limits {
            Objects.requireNonNull(lockHeld, "lockHeld");
        }
    }

    /**
     * @param transactional whether it ran in one transaction (locks are held until it commits)
     * @param statements    the statements that ran, the failed one last
     */
    public record TracedMigration(String version, String script, boolean transactional, List<TracedStatement> statements) {
        public TracedMigration {
            statements = List.copyOf(statements);
        }
    }

    /**
     * @param line      first line of the statement in its file
     * @param sql       the statement as written
     * @param duration  how long it ran
     * @param rows      rows affected (null for statements that report none, like DDL)
     * @param locks     relation locks it took that the session did not hold yet (empty when not traced)
     * @param traced    false for statements that run outside a transaction: their locks are gone
     *                  before they can be read from pg_locks
     * @param rewrites  relations whose relfilenode changed: rewritten in full
     * @param failure   why it failed (null when it did not)
     */
    public record TracedStatement(int line, String sql, Duration duration, Long rows, List<Lock> locks, boolean traced,
                                  List<Rewrite> rewrites, Failure failure) {
        public TracedStatement {
            locks = List.copyOf(locks);
            rewrites = List.copyOf(rewrites);
        }
    }

    /**
     * A relation lock as pg_locks shows it.
     *
     * @param relation     schema-qualified name (the oid when the relation is gone)
     * @param mode         e.g. AccessExclusiveLock
     * @param preexisting  whether the relation existed before the migrations ran (its users wait)
     * @param sizeBytes    its size before the migrations ran (null for a new relation)
     * @param held         from the start of the statement that took it to the end of its transaction
     */
    public record Lock(String relation, String mode, boolean preexisting, Long sizeBytes, Duration held) {
        /** SHARE and stronger: INSERT, UPDATE and DELETE wait for it (ACCESS EXCLUSIVE: reads too). */
        public boolean blocksWrites() {
            return switch (mode) {
                case "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock" -> true;
                default -> false;
            };
        }

        public boolean blocksReads() {
            return mode.equals("AccessExclusiveLock");
        }
    }

    /**
     * @param relation   schema-qualified name
     * @param kind       table, index, materialized view, ...
     * @param sizeBytes  its size before the statement
     */
    public record Rewrite(String relation, String kind, long sizeBytes) {
    }

    /**
     * @param sqlState   PostgreSQL's SQLSTATE
     * @param message    PostgreSQL's message (first line)
     * @param dataCaused true when the data made it fail (SQLSTATE class 22 or 23: duplicate rows under a unique
     *                   index, nulls under NOT NULL, a violated check or foreign key, a value that does not convert)
     */
    public record Failure(String sqlState, String message, boolean dataCaused) {
    }

    /** Why the report needs attention, one line each; empty when it does not. */
    public List<String> problems() {
        List<String> out = new java.util.ArrayList<>();
        for (TracedMigration m : migrations) {
            for (TracedStatement s : m.statements()) {
                String where = m.script() + ":" + s.line();
                if (s.failure() != null) {
                    out.add(where + " failed" + (s.failure().dataCaused() ? " because of the data" : "") + ": "
                            + s.failure().message());
                }
                for (Lock l : s.locks()) {
                    if (l.preexisting() && l.blocksWrites() && l.held().compareTo(limits.lockHeld()) > 0) {
                        out.add(where + " holds " + l.mode() + " on " + l.relation() + " for " + l.held().toMillis()
                                + " ms (" + (l.blocksReads() ? "reads and writes" : "writes") + " wait; limit "
                                + limits.lockHeld().toMillis() + " ms)");
                    }
                }
                for (Rewrite r : s.rewrites()) {
                    if (r.sizeBytes() > limits.rewrite()) {
                        out.add(where + " rewrites " + r.kind() + " " + r.relation() + " of " + r.sizeBytes()
                                + " bytes (limit " + limits.rewrite() + ")");
                    }
                }
            }
        }
        return out;
    }

    /**
     * What the trace saw that lint can only guess from the text, one per statement and hazard,
     * for {@code migrate lint --trace}: a failure (error), a write-blocking lock on a relation
     * that existed before (warning; with the statements that ran while it was held), a rewrite
     * (warning).
     *
     * @param kind    lock, rewrite or failure
     * @param error   true for failures: the migration does not apply even on the migrations' own schema
     */
    public record Observation(String file, int line, String kind, boolean error, String what, String statement) {
        /** {@code file:line what}, on one line. */
        public String describe() {
            return file + ":" + line + " " + what;
        }
    }

    public List<Observation> observations() {
        List<Observation> out = new java.util.ArrayList<>();
        for (TracedMigration m : migrations) {
            for (int i = 0; i < m.statements().size(); i++) {
                TracedStatement s = m.statements().get(i);
                int after = m.transactional() ? m.statements().size() - i - 1 : 0;
                if (s.failure() != null) {
                    out.add(new Observation(m.script(), s.line(), "failure", true, "fails: " + s.failure().message(), s.sql()));
                }
                for (Lock l : s.locks()) {
                    if (l.preexisting() && l.blocksWrites()) {
                        out.add(new Observation(m.script(), s.line(), "lock", false, "takes " + l.mode() + " on " + l.relation()
                                + " (" + (l.blocksReads() ? "reads and writes" : "writes") + " wait)"
                                + (after == 0 ? "" : " and holds it while " + after + " more statement" + (after == 1 ? "" : "s")
                                        + " run in its transaction"), s.sql()));
                    }
                }
                for (Rewrite r : s.rewrites()) {
                    out.add(new Observation(m.script(), s.line(), "rewrite", false, "rewrites " + r.kind() + " " + r.relation()
                            + " (a full copy, under its lock)", s.sql()));
                }
            }
        }
        return out;
    }

    public boolean failed() {
        return migrations.stream().flatMap(m -> m.statements().stream()).anyMatch(s -> s.failure() != null);
    }

    public int statementCount() {
        return migrations.stream().mapToInt(m -> m.statements().size()).sum();
    }
}
