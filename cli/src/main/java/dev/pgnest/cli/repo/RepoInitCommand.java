package dev.pgnest.cli.repo;

import dev.pgnest.cli.backup.RepositoryAccess;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.Repository;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "init", description = {
        "Create the repository: write its format file at the configured location (an empty S3 prefix or",
        "directory). Running it again on an existing repository of this format changes nothing."})
public final class RepoInitCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    record InitView(String repository, int format, boolean created) {
    }

    @Override
    public Integer call() {
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            boolean created = Repository.init(access.storage());
            Repository repository = access.repository();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, new InitView(repository.location(), repository.format().format(), created));
            } else {
                out.println((created ? "initialized repository " : "repository already initialized: ")
                        + repository.location() + " (format " + repository.format().format() + ")");
                out.flush();
            }
        }
        return ExitCode.OK.status();
    }
}
