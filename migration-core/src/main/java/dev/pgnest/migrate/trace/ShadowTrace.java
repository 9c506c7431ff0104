package dev.pgnest.migrate.trace;

import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.drift.ShadowDatabase;

/**
 * {@code migrate lint --trace}, as Eugene's trace: a shadow database gets the migrations the
 * target has applied, then the pending ones run there statement by statement. No data, so
 * durations say little; the locks and rewrites are what PostgreSQL really does.
 */
public final class ShadowTrace {
    private ShadowTrace() {
    }

    /** @param shadowJdbcUrl a disposable database, or null for a scratch one next to the target */
    public static TraceReport run(MigrationSettings settings, String shadowJdbcUrl, TraceReport.Limits limits) {
        String applied = new Migrations(settings).status().currentVersion();
        try (ShadowDatabase shadow = ShadowDatabase.create(settings, shadowJdbcUrl)) {
            if (applied != null) {
                shadow.deployUpTo(applied);
            }
            return new StatementTracer(limits).tracePending(shadow.settings());
        }
    }
}
