package dev.pgnest.seed;

import java.time.Duration;
import java.util.List;

/** What a seed run loaded: rows per table, in load order, and how long it took. */
public record SeedReport(double scale, List<TableLoad> tables, Duration took) {

    public SeedReport {
        tables = List.copyOf(tables);
    }

    /** Rows copied into one table. */
    public record TableLoad(String table, long rows, Duration took) {
    }

    public long totalRows() {
        return tables.stream().mapToLong(TableLoad::rows).sum();
    }
}
