package dev.pgnest.migrate.lint;

/** One rule broken by one statement of one file. */
public record Finding(String file, int line, Rule rule, String statement) {

    /** {@code file:line rule-id: reason (safe: pattern)} on one line. */
    public String describe() {
        return file + ":" + line + " " + rule.id() + ": " + rule.reason() + " (safe: " + rule.safePattern() + ")";
    }
}
