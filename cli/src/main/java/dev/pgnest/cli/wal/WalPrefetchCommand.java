package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
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

    @Option(names = "--prefetch", paramLabel = "N", description = "Segments to keep downloaded ahead (default: wal.prefetch).")
    Integer prefetch;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Local spool directory (default: wal.spool-dir).")
    Path spoolDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (WalAccess access = WalAccess.open(spec)) {
            int depth = prefetch != null ? prefetch : access.config().global().require(Settings.WAL_PREFETCH);
            new WalFetcher(access.archive(), access.spool(spoolDir), depth, 4, Duration.ofSeconds(30)).prefetch(after);
        }
        return ExitCode.OK.status();
    }
}
