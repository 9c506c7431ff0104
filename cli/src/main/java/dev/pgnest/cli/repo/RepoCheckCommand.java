package dev.pgnest.cli.repo;

import dev.pgnest.cli.backup.RepositoryAccess;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.RepositoryCheck;
import java.io.PrintWriter;
import java.util.Locale;
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
        "manifest, or leftovers with --dry-run)."})
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
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            RepositoryCheck.Report report = RepositoryCheck.run(access.repository(),
                    allTargets ? null : access.target(), dryRun);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, report);
            } else {
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
            return report.outstanding().isEmpty() ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
        }
    }
}
