package dev.pgnest.cli.migrate;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.LintReport;
import dev.pgnest.migrate.lint.Linter;
import dev.pgnest.migrate.lint.Rule;
import dev.pgnest.migrate.lint.RuleSeverities;
import dev.pgnest.migrate.trace.ShadowTrace;
import dev.pgnest.migrate.trace.TraceReport;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "lint", description = {
        "Check migrations for statements that are unsafe on a live PostgreSQL database (locks, rewrites,",
        "data loss). Disable a rule for one file with a comment: -- pgnest-lint-disable RULE[, RULE].",
        "Severities per rule come from lint.severity in pgnest.yml. Exits 3 when a rule of severity error is broken.",
        "With --trace, the pending migrations also run on a shadow database (as migrate diff builds it, up to the",
        "target's version), and the locks and rewrites PostgreSQL really takes are reported as observed."})
public final class MigrateLintCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Option(names = "--rules", description = "List the rules with their reason and safe pattern, and exit.")
    boolean listRules;

    @Option(names = "--sarif", paramLabel = "FILE",
            description = "Also write the findings as SARIF 2.1.0 to FILE, for code review tools (GitHub code scanning).")
    Path sarif;

    @Option(names = "--trace", description = {"Also run the pending migrations on a shadow database built from the applied ones "
            + "(shadow-url, or a scratch database next to the target) and report what they really do: write-blocking locks on "
            + "existing relations, rewrites, failures (marked observed; a failure is an error)."})
    boolean trace;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files or directories (default: the migrations directory).")
    List<Path> files = new ArrayList<>();

    @Spec
    CommandSpec spec;

    record RuleView(String id, String severity, String reason, String safePattern) {
    }

    /** A finding of --trace: what PostgreSQL did, not what the text suggests. */
    record ObservedView(String file, int line, String kind, String severity, boolean observed, String what, String statement) {
        static ObservedView of(TraceReport.Observation o) {
            return new ObservedView(o.file(), o.line(), o.kind(), o.error() ? "error" : "warning", true, o.what(), o.statement());
        }
    }

    /** {@code observed} only with --trace. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LintView(List<String> files, int errors, int warnings, List<Views.FindingView> findings, List<ObservedView> observed) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RuleSeverities severities = MigrationOptions.lintSeverities(spec);
        if (listRules) {
            List<RuleView> rules = Arrays.stream(Rule.values())
                    .map(r -> new RuleView(r.id(), severities.of(r).name().toLowerCase(), r.reason(), r.safePattern())).toList();
            if (output.json()) {
                OutputOptions.printJson(out, rules);
            } else {
                rules.forEach(r -> out.println(r.id() + " (" + r.severity() + "): " + r.reason() + "\n    safe: " + r.safePattern()));
                out.flush();
            }
            return ExitCode.OK.status();
        }
        LintReport report = new Linter(severities).lintFiles(files.isEmpty() ? List.of(MigrationOptions.directory(spec)) : files);
        List<TraceReport.Observation> observed = trace ? observe() : List.of();
        if (sarif != null) {
            writeSarif(report, severities, observed);
        }
        long observedErrors = observed.stream().filter(TraceReport.Observation::error).count();
        if (output.json()) {
            OutputOptions.printJson(out, new LintView(report.files(), report.errors().size() + (int) observedErrors,
                    report.warnings().size() + observed.size() - (int) observedErrors,
                    report.findings().stream().map(Views.FindingView::of).toList(),
                    trace ? observed.stream().map(ObservedView::of).toList() : null));
        } else {
            for (Finding f : report.findings()) {
                out.println(f.severity().name().toLowerCase() + ": " + f.describe());
            }
            for (TraceReport.Observation o : observed) {
                out.println("observed " + (o.error() ? "error" : "warning") + ": " + o.describe());
            }
            out.println(report.files().size() + " files, " + report.errors().size() + " errors, "
                    + report.warnings().size() + " warnings"
                    + (trace ? "; traced on a shadow database: " + observedErrors + " errors, "
                            + (observed.size() - observedErrors) + " warnings observed" : ""));
            out.flush();
        }
        return report.hasErrors() || observedErrors > 0 ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
    }

    private List<TraceReport.Observation> observe() {
        SettingValues target = CommandContext.of(spec).config().target();
        return ShadowTrace.run(MigrationOptions.settings(spec), MigrationOptions.shadowJdbcUrl(spec),
                new TraceReport.Limits(target.require(Settings.REHEARSE_LOCK_THRESHOLD), target.require(Settings.REHEARSE_REWRITE_THRESHOLD)))
                .observations();
    }

    private void writeSarif(LintReport report, RuleSeverities severities, List<TraceReport.Observation> observed) {
        try {
            OutputOptions.mapper().writeValue(sarif.toFile(), Sarif.of(report, severities, observed, MigrationOptions.directory(spec)));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.USAGE, "cannot write the SARIF file " + sarif + ": " + e.getMessage(),
                    "check that its directory exists and is writable");
        }
    }
}
