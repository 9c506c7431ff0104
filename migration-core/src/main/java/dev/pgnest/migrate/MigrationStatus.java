package dev.pgnest.migrate;

/** A migration's state as {@code migrate status} shows it (Prisma's vocabulary). */
public enum MigrationStatus {
    APPLIED("✅", false),
    PENDING("⏳", true),
    FAILED("❌", true),
    /** Recorded as applied, but no file for it exists any more. */
    MISSING_LOCALLY("❓", true),
    /** Applied, but its file was edited afterwards. */
    CHECKSUM_CHANGED("✏️", true),
    BASELINE("📌", false),
    /** Not applied and older than the current version: deploy will not run it (out of order). */
    IGNORED("⚠️", true),
    /** Older than the baseline: never run. */
    BELOW_BASELINE("·", false);

    private final String symbol;
    private final boolean needsAttention;

    MigrationStatus(String symbol, boolean needsAttention) {
        this.symbol = symbol;
        this.needsAttention = needsAttention;
    }

    public String symbol() {
        return symbol;
    }

    /** True when CI should stop: something to apply, repair or explain. */
    public boolean needsAttention() {
        return needsAttention;
    }
}
