package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.fetch.WalFetcher;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The background prefetcher `wal fetch` starts; not for direct use. */
@Command(name = "prefetch", hidden = true, description = "Prefetch WAL segments into the spool (started by wal fetch).")
public final class WalPrefetchCommand implements Callable<Integer> {
    @Option(names = "--after", required = true, paramLabel = "NAME", description = "The segment recovery just fetched.")
    String after;

    // --prefetch and --spool-dir: declared with wal.prefetch and wal.spool-dir in Settings

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (WalArchives archives = WalAccess.forFetch(spec)) {
            var config = CommandContext.of(spec).config();
            int depth = config.global().require(Settings.WAL_PREFETCH);
            new WalFetcher(archives, WalSpool.of(config), depth, 4, Duration.ofSeconds(30)).prefetch(after);
        }
        return ExitCode.OK.status();
    }
}
