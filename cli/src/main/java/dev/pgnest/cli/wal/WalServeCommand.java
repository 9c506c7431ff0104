package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = {
        "Serve `pgnest wal push` for the local server: a loopback endpoint that stores WAL files with parallel",
        "uploads, pushing files PostgreSQL has marked ready before the archiver asks for them. The launcher",
        "finds it through the spool directory; while it is not running, wal push works directly (slower).",
        "Runs until stopped (SIGTERM or Ctrl-C); uploads in flight finish first."})
public final class WalServeCommand implements Callable<Integer> {
    // --port, --parallel and --spool-dir: declared with wal.push-port, wal.push-parallelism and wal.spool-dir in Settings

    @Spec
    CommandSpec spec;

    /** Released to stop serving (tests; the shutdown hook in production). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        return untilStopped(stop, "pgnest-wal-serve-stop", () -> {
            // like wal push: with several repositories one that cannot be reached now is queued for
            PgnestConfig config = CommandContext.of(spec).config();
            WalSpool spool = WalSpool.of(config);
            int parallel = config.global().require(Settings.WAL_PUSH_PARALLELISM);
            try (WalArchives archives = WalAccess.forPush(spec);
                 WalPushService service = WalPushService.start(archives, spool, config.global().require(Settings.WAL_PUSH_PORT),
                         parallel)) {
                WalSpool.warnWhenLauncherLooksElsewhere(config, spool);
                PrintWriter out = spec.commandLine().getOut();
                out.println("serving wal push for target " + archives.target() + " on 127.0.0.1:" + service.port()
                        + " (" + parallel + " parallel uploads)");
                out.flush();
                stop.await();
                out.println("stopped after acknowledging " + service.acknowledged() + " pushes");
                out.flush();
            }
        });
    }

    /** What a serving command does until stopped. */
    interface Serving {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code serving} with a shutdown hook that releases {@code stop} (SIGTERM, Ctrl-C) and then
     * waits for {@code serving} to end: uploads in flight finish and the endpoint is withdrawn
     * before the JVM goes.
     */
    static Integer untilStopped(CountDownLatch stop, String hookName, Serving serving) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, hookName);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            serving.run();
        } finally {
            closed.countDown();
            removeHook(hook);
        }
        return ExitCode.OK.status();
    }

    /** Drops a shutdown hook once the command ended by itself (in-process runs must not collect them). */
    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running
        }
    }
}
