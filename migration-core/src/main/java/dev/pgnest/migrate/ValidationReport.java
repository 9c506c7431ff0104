package dev.pgnest.migrate;

import java.util.List;

/** Applied migrations checked against the files. */
public record ValidationReport(String target, int checked, List<Problem> problems) {

    public ValidationReport {
        problems = List.copyOf(problems);
    }

    /**
     * One applied migration that does not match its file.
     *
     * @param status CHECKSUM_CHANGED (file edited after it was applied), MISSING_LOCALLY,
     *               or FAILED
     */
    public record Problem(String version, String description, String script, MigrationStatus status, String message) {
    }

    public boolean valid() {
        return problems.isEmpty();
    }
}
