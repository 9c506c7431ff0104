package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalRetention;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "expire", description = {
        "Remove archived WAL no physical backup needs: before the oldest backup's start, and timelines that",
        "branched off before every backup that could follow them (pgnest backup expire does this too).",
        "Nothing is removed while the target has no physical backup."})
public final class WalExpireCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Show what would be removed.")
    boolean dryRun;

    @Mixin
    OutputOptions output;

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
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("target", target);
            json.put("dryRun", dryRun);
            json.put("wal", WalRetentionView.of(o));
            OutputOptions.printJson(out, json);
            return ExitCode.OK.status();
        }
        if (!o.hasArchive()) {
            out.println("target " + target + " has no WAL archive: nothing to expire");
        }
        WalRetentionView.lines(o, dryRun).forEach(out::println);
        out.flush();
        return ExitCode.OK.status();
    }
}
