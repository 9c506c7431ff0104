package dev.pgnest.cli.repo;

import dev.pgnest.cli.backup.RepositoryAccess;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.repository.RepositoryCheck;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", description = {
        "Check the repository's format and find what dead processes left: backups without a manifest whose",
        "writer is gone (removed), unfinished multipart uploads older than 15 minutes (aborted), stray markers.",
        "Running backups are left alone. Exits 3 when something needs attention afterwards (a damaged",
        "manifest, or leftovers with --dry-run). A target with several repositories: each one (--repo: one)."})
public final class RepoCheckCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Report only; remove nothing.")
    boolean dryRun;

    @Option(names = "--all-targets", description = "Check every target in the repository, not only the selected one.")
    boolean allTargets;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<SettingValues> repositories = RepositoryAccess.listed(spec);
        if (repositories.size() == 1) {
            try (RepositoryAccess access = RepositoryAccess.open(spec)) {
                RepositoryCheck.Report report = check(access);
                if (output.json()) {
                    OutputOptions.printJson(spec.commandLine().getOut(), report);
                } else {
                    print(report);
                }
                return report.outstanding().isEmpty() ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
            }
        }
        // a target with several repositories: each one checked, under its name
        boolean clean = true;
        Map<String, Object> json = new LinkedHashMap<>();
        for (SettingValues repository : repositories) {
            if (!output.json()) {
                spec.commandLine().getOut().println("== repository " + repository.name());
            }
            try (RepositoryAccess access = RepositoryAccess.open(spec, repository)) {
                RepositoryCheck.Report report = check(access);
                clean &= report.outstanding().isEmpty();
                json.put(repository.name(), report);
                if (!output.json()) {
                    print(report);
                }
            } catch (PgnestException e) {
                clean = false;
                json.put(repository.name(), Map.of("error", e.getMessage()));
                if (!output.json()) {
                    spec.commandLine().getOut().println("UNREACHABLE: " + e.getMessage());
                }
            }
        }
        if (output.json()) {
            OutputOptions.printJson(spec.commandLine().getOut(), json);
        }
        spec.commandLine().getOut().flush();
        return clean ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }

    private RepositoryCheck.Report check(RepositoryAccess access) {
        return RepositoryCheck.run(access.repository(), allTargets ? null : access.target(), dryRun);
    }

    private void print(RepositoryCheck.Report report) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("repository " + report.repository() + " (format " + report.format() + "): "
                + report.backups() + " backups in " + report.targets().size() + " target(s)");
        for (RepositoryCheck.Finding f : report.findings()) {
            out.println("  " + f.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + (f.removed() ? " (removed)" : f.kind().isProblem() && dryRun ? " (would remove)" : "")
                    + ": " + f.location() + " - " + f.detail());
        }
        out.println(report.outstanding().isEmpty() ? "repository is clean"
                : report.outstanding().size() + " problem(s) need attention");
        out.flush();
    }
}
