package dev.pgnest.migrate;

/** What {@code migrate resolve} changed in the schema history. */
public record ResolveResult(String target, String version, Action action, MigrationStatus before, MigrationStatus after) {

    public enum Action {
        /** Recorded as applied: someone completed it by hand. */
        APPLIED,
        /** The failed attempt is forgotten: deploy runs the (fixed) file again. */
        ROLLED_BACK
    }
}
