package dev.pgnest.cli.migrate;

import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.LintReport;
import dev.pgnest.migrate.lint.Rule;
import dev.pgnest.migrate.lint.RuleSeverities;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A lint report as SARIF 2.1.0, the format code review tools (GitHub code scanning, GitLab,
 * reviewdog) annotate pull requests from. Only the fields those tools read.
 */
final class Sarif {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private Sarif() {
    }

    record Log(String $schema, String version, List<Run> runs) {
    }

    record Run(Tool tool, List<Result> results) {
    }

    record Tool(Driver driver) {
    }

    record Driver(String name, List<RuleDescriptor> rules) {
    }

    record RuleDescriptor(String id, Text shortDescription, Text help, Map<String, String> defaultConfiguration) {
    }

    record Text(String text) {
    }

    record Result(String ruleId, String level, Text message, List<Location> locations) {
    }

    record Location(PhysicalLocation physicalLocation) {
    }

    record PhysicalLocation(Map<String, String> artifactLocation, Map<String, Integer> region) {
    }

    static Log of(LintReport report, RuleSeverities severities) {
        List<RuleDescriptor> rules = Arrays.stream(Rule.values())
                .map(r -> new RuleDescriptor(r.id(), new Text(r.reason()), new Text("Safe: " + r.safePattern()),
                        Map.of("level", level(severities.of(r)))))
                .toList();
        List<Result> results = report.findings().stream().map(Sarif::result).toList();
        return new Log(SCHEMA, "2.1.0", List.of(new Run(new Tool(new Driver("pgnest migrate lint", rules)), results)));
    }

    private static Result result(Finding f) {
        return new Result(f.rule().id(), level(f.severity()),
                new Text(f.rule().reason() + " (safe: " + f.rule().safePattern() + ")"),
                List.of(new Location(new PhysicalLocation(Map.of("uri", f.file().replace('\\', '/')),
                        Map.of("startLine", f.line())))));
    }

    private static String level(Rule.Severity severity) {
        return switch (severity) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case OFF -> "none";
        };
    }
}
