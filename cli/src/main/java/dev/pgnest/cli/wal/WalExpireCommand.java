package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalRetention;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "expire", description = {
        "Remove archived WAL older than the oldest physical backup's start (run after pgnest backup expire).",
        "Nothing is removed while the target has no physical backup."})
public final class WalExpireCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Show what would be removed.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        WalRetention.Outcome o;
        String target;
        try (WalAccess access = WalAccess.open(spec)) {
            target = access.target();
            o = WalRetention.expire(access.repository(), access.archive(), dryRun);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (o.keepFrom().isEmpty()) {
            out.println("target " + target + " has no physical backup: no WAL removed");
        } else {
            out.println((dryRun ? "would remove " : "removed ") + o.removed() + " WAL files of target " + target
                    + " before " + o.keepFrom().get() + " (the oldest physical backup's start)");
        }
        out.flush();
        return ExitCode.OK.status();
    }
}
