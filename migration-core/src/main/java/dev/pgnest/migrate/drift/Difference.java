package dev.pgnest.migrate.drift;

/**
 * One catalog object that differs between what the migrations build and the live database.
 *
 * @param kind     table, column, index, constraint, sequence, view, function, enum or trigger
 * @param name     the object, qualified by its table where that is what names it
 * @param expected its definition as the migrations build it (null when they do not)
 * @param actual   its definition in the live database (null when it is missing there)
 */
public record Difference(String kind, String name, Change change, String expected, String actual) {

    public enum Change {
        /** The migrations create it; the live database lacks it. */
        MISSING_IN_DATABASE,
        /** The live database has it; no migration creates it (changed by hand?). */
        NOT_IN_MIGRATIONS,
        /** Both have it, defined differently. */
        DIFFERENT
    }

    /** {@code column babies.nickname: not in migrations (text NULL)} on one line. */
    public String describe() {
        return switch (change) {
            case MISSING_IN_DATABASE -> kind + " " + name + ": missing in the database (migrations define " + expected + ")";
            case NOT_IN_MIGRATIONS -> kind + " " + name + ": not in the migrations (database has " + actual + ")";
            case DIFFERENT -> kind + " " + name + ": differs (migrations: " + expected + "; database: " + actual + ")";
        };
    }
}
