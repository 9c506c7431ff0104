package dev.pgnest.cli.migrate;

import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.LintReport;
import dev.pgnest.migrate.lint.Rule;
import dev.pgnest.migrate.lint.RuleSeverities;
import dev.pgnest.migrate.trace.TraceReport;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /** Observations of {@code lint --trace}: their rule ids, what each means. */
    private static final List<Map.Entry<String, String>> OBSERVED = List.of(
            Map.entry("observed-lock", "Observed on a shadow database: the statement takes a lock that blocks writes on an existing relation"),
            Map.entry("observed-rewrite", "Observed on a shadow database: the statement rewrites an existing relation in full"),
            Map.entry("observed-failure", "Observed on a shadow database: the statement fails even on the migrations' own schema"));

    /**
     * @param observed  what {@code --trace} observed (empty without it)
     * @param directory the migrations directory the observations' file names are relative to
     */
    static Log of(LintReport report, RuleSeverities severities, List<TraceReport.Observation> observed, Path directory) {
        List<RuleDescriptor> rules = new ArrayList<>(Arrays.stream(Rule.values())
                .map(r -> new RuleDescriptor(r.id(), new Text(r.reason()), new Text("Safe: " + r.safePattern()),
                        Map.of("level", level(severities.of(r)))))
                .toList());
        List<Result> results = new ArrayList<>(report.findings().stream().map(Sarif::result).toList());
        if (!observed.isEmpty()) {
            OBSERVED.forEach(e -> rules.add(new RuleDescriptor(e.getKey(), new Text(e.getValue()),
                    new Text("Run pgnest migrate rehearse to measure it on real data"), Map.of("level", "warning"))));
            for (TraceReport.Observation o : observed) {
                String file = directory == null ? o.file() : directory.resolve(o.file()).toString();
                results.add(new Result("observed-" + o.kind(), o.error() ? "error" : "warning", new Text(o.what()),
                        List.of(location(file, o.line()))));
            }
        }
        return new Log(SCHEMA, "2.1.0", List.of(new Run(new Tool(new Driver("pgnest migrate lint", rules)), results)));
    }

    private static Location location(String file, int line) {
        return new Location(new PhysicalLocation(Map.of("uri", file.replace('\\', '/')), Map.of("startLine", line)));
    }

    private static Result result(Finding f) {
        return new Result(f.rule().id(), level(f.severity()),
                new Text(f.rule().reason() + " (safe: " + f.rule().safePattern() + ")"),
                List.of(location(f.file(), f.line())));
    }

    private static String level(Rule.Severity severity) {
        return switch (severity) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case OFF -> "none";
        };
    }
}
