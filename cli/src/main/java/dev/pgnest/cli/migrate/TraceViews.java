package dev.pgnest.cli.migrate;

import dev.pgnest.migrate.trace.TraceReport;
import java.util.List;

/** JSON shapes of a trace (rehearse, lint --trace): durations in ms, sizes in bytes. */
final class TraceViews {
    private TraceViews() {
    }

    record LockView(String relation, String mode, boolean preexisting, Long sizeBytes, long heldMs, boolean blocksWrites,
                    boolean blocksReads) {
        static LockView of(TraceReport.Lock l) {
            return new LockView(l.relation(), l.mode(), l.preexisting(), l.sizeBytes(), l.held().toMillis(), l.blocksWrites(),
                    l.blocksReads());
        }
    }

    record StatementView(int line, String sql, long durationMs, Long rows, boolean locksTraced, List<LockView> locks,
                         List<TraceReport.Rewrite> rewrites, TraceReport.Failure failure) {
        static StatementView of(TraceReport.TracedStatement s) {
            return new StatementView(s.line(), s.sql(), s.duration().toMillis(), s.rows(), s.traced(),
                    s.locks().stream().map(LockView::of).toList(), s.rewrites(), s.failure());
        }
    }

    record MigrationView(String version, String script, boolean transactional, List<StatementView> statements) {
        static MigrationView of(TraceReport.TracedMigration m) {
            return new MigrationView(m.version(), m.script(), m.transactional(),
                    m.statements().stream().map(StatementView::of).toList());
        }
    }

    /**
     * @param lockThresholdMs    rehearse.lock-threshold
     * @param rewriteThreshold   rehearse.rewrite-threshold, bytes
     * @param problems           why it needs attention, one line each (empty: it does not)
     */
    record TraceView(long lockThresholdMs, long rewriteThreshold, List<String> problems, List<MigrationView> migrations) {
        static TraceView of(TraceReport t) {
            return new TraceView(t.limits().lockHeld().toMillis(), t.limits().rewrite(), t.problems(),
                    t.migrations().stream().map(MigrationView::of).toList());
        }
    }
}
