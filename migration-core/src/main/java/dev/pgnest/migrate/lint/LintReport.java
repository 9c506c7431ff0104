package dev.pgnest.migrate.lint;

import java.util.List;

/** Findings of one lint run, in file and line order, and the files that were read. */
public record LintReport(List<String> files, List<Finding> findings) {

    public LintReport {
        files = List.copyOf(files);
        findings = List.copyOf(findings);
    }

    public List<Finding> errors() {
        return findings.stream().filter(f -> f.severity() == Rule.Severity.ERROR).toList();
    }

    public List<Finding> warnings() {
        return findings.stream().filter(f -> f.severity() == Rule.Severity.WARNING).toList();
    }

    public boolean hasErrors() {
        return !errors().isEmpty();
    }
}
