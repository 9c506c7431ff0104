package dev.pgnest.migrate.lint;

/** One rule broken by one statement of one file, at the severity the lint run gave the rule. */
public record Finding(String file, int line, Rule rule, Rule.Severity severity, String statement) {

    public Finding(String file, int line, Rule rule, String statement) {
        this(file, line, rule, rule.severity(), statement);
    }

    /** {@code file:line rule-id: reason (safe: pattern)} on one line. */
    public String describe() {
        return file + ":" + line + " " + rule.id() + ": " + rule.reason() + " (safe: " + rule.safePattern() + ")";
    }
}
