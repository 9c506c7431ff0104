package dev.pgnest.seed;

import java.util.List;

/** Where the BabyNest demo schema lives and what it holds. */
public final class BabyNest {

    /** Flyway location of the BabyNest migrations, on this module's classpath. */
    public static final String MIGRATIONS_LOCATION = "classpath:db/babynest";

    /** The version the latest BabyNest migration brings the schema to. */
    public static final String LATEST_VERSION = "9";

    /** Every table of the schema, parents before children (the order they are loaded in). */
    public static final List<String> TABLES = List.of(
            "users", "preferences", "babies", "caregivers", "feeding_logs", "sleep_logs",
            "diaper_logs", "growth_logs", "milestones", "notifications");

    private BabyNest() {
    }
}
