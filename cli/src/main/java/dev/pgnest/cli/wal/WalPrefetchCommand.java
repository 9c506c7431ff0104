package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.fetch.WalFetcher;
import java.nio.file.Path;
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

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "${env:PGNEST_WAL_PREFETCH:-8}",
            description = "Segments to keep downloaded ahead.")
    int prefetch;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:PGNEST_WAL_SPOOL_DIR}",
            description = "Local spool directory.")
    Path spoolDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (WalAccess access = WalAccess.open(spec)) {
            new WalFetcher(access.archive(), WalSpool.at(spoolDir), prefetch, 4, Duration.ofSeconds(30)).prefetch(after);
        }
        return ExitCode.OK.status();
    }
}
