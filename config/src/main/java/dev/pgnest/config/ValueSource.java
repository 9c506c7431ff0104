package dev.pgnest.config;

/** Where an effective value came from, as {@code config show} reports it. */
public record ValueSource(Kind kind, String detail) {
    public enum Kind { FLAG, ENV, FILE, DEFAULT, UNSET }

    static final ValueSource DEFAULT = new ValueSource(Kind.DEFAULT, "");
    static final ValueSource UNSET = new ValueSource(Kind.UNSET, "");

    @Override
    public String toString() {
        return switch (kind) {
            case FLAG -> "flag " + detail;
            case ENV -> "env " + detail;
            case FILE -> "file " + detail;
            case DEFAULT -> "default";
            case UNSET -> "unset";
        };
    }
}
