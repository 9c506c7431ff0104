package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.BackgroundPusher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What the launcher starts, detached, when `wal push` finds no endpoint; operators run `wal serve`. */
@Command(name = "pusher", hidden = true, description = {
        "The background pusher the launcher's `wal push` starts when no push endpoint runs: serves pushes for one",
        "spool directory until idle for wal.push-idle-exit. Leaves the spool to another pusher that holds it."})
public final class WalPusherCommand implements Callable<Integer> {
    // --spool-dir, --parallel and --idle-exit: declared with wal.spool-dir, wal.push-parallelism and wal.push-idle-exit in Settings

    /**
     * The pusher's own directory (endpoint, lock, log), one per configuration, chosen by the
     * launcher. Not the spool: the backlogs of repositories that missed a segment stay in the
     * spool, where direct pushes and wal check find them too.
     */
    @Option(names = "--pusher-dir", paramLabel = "DIR", required = true, description = "The pusher's own directory (the launcher picks it).")
    Path pusherDir;

    @Spec
    CommandSpec spec;

    /** Released to stop serving (tests; the shutdown hook in production). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        return WalServeCommand.untilStopped(stop, "pgnest-wal-pusher-stop", () -> {
            // like wal push: one repository of several unreachable is queued for, not fatal
            try (WalArchives archives = WalAccess.forPush(spec)) {
                var global = CommandContext.of(spec).config().global();
                BackgroundPusher.serve(archives, WalSpool.at(pusherDir), global.require(Settings.WAL_PUSH_PARALLELISM),
                        global.require(Settings.WAL_PUSH_IDLE_EXIT), stop);
            }
        });
    }
}
