package dev.pgnest.migrate;

import dev.pgnest.migrate.lint.RuleSeverities;
import java.util.List;
import java.util.Objects;

/**
 * What to migrate and where.
 *
 * @param locations    Flyway locations, e.g. {@code filesystem:db/migrations} or
 *                     {@code classpath:db/babynest}
 * @param schemas      schemas Flyway manages (the first holds the history table); empty means
 *                     the connection's current schema
 * @param historyTable Flyway's schema history table name
 * @param lint         each lint rule's severity (the lint.severity setting)
 * @param safety       deploy's timeouts and lock-timeout retries (the deploy.* settings)
 */
public record MigrationSettings(DatabaseTarget target, List<String> locations, List<String> schemas, String historyTable,
                                RuleSeverities lint, DeploySafety safety) {
    public static final String DEFAULT_HISTORY_TABLE = "flyway_schema_history";

    public MigrationSettings {
        Objects.requireNonNull(target, "target");
        locations = List.copyOf(locations);
        schemas = schemas == null ? List.of() : List.copyOf(schemas);
        lint = lint == null ? RuleSeverities.DEFAULTS : lint;
        safety = safety == null ? DeploySafety.DEFAULTS : safety;
        historyTable = historyTable == null || historyTable.isBlank() ? DEFAULT_HISTORY_TABLE : historyTable;
        if (locations.isEmpty()) {
            throw new IllegalArgumentException("at least one migration location is needed");
        }
    }

    public MigrationSettings(DatabaseTarget target, List<String> locations, List<String> schemas, String historyTable) {
        this(target, locations, schemas, historyTable, RuleSeverities.DEFAULTS, DeploySafety.DEFAULTS);
    }

    public MigrationSettings(DatabaseTarget target, List<String> locations) {
        this(target, locations, List.of(), DEFAULT_HISTORY_TABLE);
    }

    public MigrationSettings withTarget(DatabaseTarget other) {
        return new MigrationSettings(other, locations, schemas, historyTable, lint, safety);
    }

    public MigrationSettings withLint(RuleSeverities value) {
        return new MigrationSettings(target, locations, schemas, historyTable, value, safety);
    }

    public MigrationSettings withSafety(DeploySafety value) {
        return new MigrationSettings(target, locations, schemas, historyTable, lint, value);
    }
}
