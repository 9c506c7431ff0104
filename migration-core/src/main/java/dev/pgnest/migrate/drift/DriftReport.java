package dev.pgnest.migrate.drift;

import java.util.List;

/**
 * The live database compared with a shadow database built from the migrations.
 *
 * @param comparedVersion the version the shadow was migrated to: the live database's current
 *                        version, so pending migrations are not reported as drift (null:
 *                        the live database has no history and all migrations were applied)
 */
public record DriftReport(String target, String comparedVersion, int objectsCompared, List<Difference> differences) {

    public DriftReport {
        differences = List.copyOf(differences);
    }

    public boolean drifted() {
        return !differences.isEmpty();
    }
}
