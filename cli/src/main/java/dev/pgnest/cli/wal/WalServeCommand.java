package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = {
        "Serve `pgnest wal push` for the local server: a loopback endpoint that stores WAL files with parallel",
        "uploads, pushing files PostgreSQL has marked ready before the archiver asks for them. The launcher",
        "finds it through the spool directory; while it is not running, wal push works directly (slower).",
        "Runs until stopped (SIGTERM or Ctrl-C); uploads in flight finish first."})
public final class WalServeCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:PGNEST_WAL_PUSH_PORT:-0}",
            description = "Loopback port (0: any free one; env PGNEST_WAL_PUSH_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "${env:PGNEST_WAL_PUSH_PARALLELISM:-4}",
            description = "Concurrent uploads (env PGNEST_WAL_PUSH_PARALLELISM; default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:PGNEST_WAL_SPOOL_DIR}",
            description = "Local spool directory (env PGNEST_WAL_SPOOL_DIR; default /tmp/pgnest-spool-<uid>).")
    Path spoolDir;

    @Spec
    CommandSpec spec;

    /** Released to stop serving (tests; the shutdown hook in production). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        try (WalAccess access = WalAccess.open(spec);
             WalPushService service = WalPushService.start(access.archive(), WalSpool.at(spoolDir), port, parallel)) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("serving wal push for target " + access.target() + " on 127.0.0.1:" + service.port()
                    + " (" + parallel + " parallel uploads)");
            out.flush();
            Thread hook = new Thread(stop::countDown, "pgnest-wal-serve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                stop.await();
            } finally {
                removeHook(hook);
            }
            out.println("stopped after acknowledging " + service.acknowledged() + " pushes");
            out.flush();
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
