package dev.pgnest.cli.backup;

import dev.pgnest.backup.verify.BackupVerifier;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.cli.shared.Format;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Repository;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = {
        "Download a backup and re-check every object's size and SHA-256 against the manifest; --deep also",
        "decompresses and has pg_restore --list read the dump. The outcome is recorded in the repository.",
        "Exits 1 when any backup fails."})
public final class BackupVerifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", arity = "0..1", description = "Backup id, or latest.")
    String id;

    @Option(names = "--all", description = "Verify every backup of the target.")
    boolean all;

    @Option(names = "--deep", description = "Also decompress and run pg_restore --list on logical backups.")
    boolean deep;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (all == (id != null)) {
            throw new PgnestException(ErrorKind.USAGE, "verify needs a backup id or --all, not both or neither",
                    "pass an id from pgnest backup list, latest, or --all");
        }
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            Repository repository = access.repository();
            String target = access.target();
            BackupVerifier verifier = new BackupVerifier(repository, access.pgBinDir());
            List<VerifyResult> results = all ? verifier.verifyAll(target, deep)
                    : List.of(verifier.verify(target, BackupSelection.resolve(repository.catalog(), target, id).id(), deep));
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, results.stream().map(BackupViews.VerifyRow::of).toList());
            } else {
                if (results.isEmpty()) {
                    out.println("no backups of target " + target + " to verify");
                }
                for (VerifyResult r : results) {
                    out.println(r.id() + (r.ok() ? " ok" : " FAILED") + (r.deep() ? " (deep)" : "") + ": "
                            + Format.bytes(r.bytesRead()) + " checked in " + Format.duration(r.took()));
                    r.problems().forEach(p -> out.println("  " + p));
                }
                out.flush();
            }
            return results.stream().allMatch(VerifyResult::ok) ? ExitCode.OK.status() : ExitCode.FAILURE.status();
        }
    }
}
