package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.stream.WalStreamer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stream", description = {
        "Stream WAL from the target over the replication protocol with a physical slot, as pg_receivewal does,",
        "storing every complete segment in the archive: near-zero RPO without archive_command. The slot keeps",
        "WAL on the server until it is stored, so restarts of either side lose nothing. Runs until stopped.",
        "The user needs the REPLICATION attribute; the server needs max_wal_senders > 0. With --synchronous its",
        "application_name is the slot's name: list it in synchronous_standby_names for zero data loss."})
public final class WalStreamCommand implements Callable<Integer> {
    // --slot, --synchronous and --spool-dir: declared with wal.stream-slot, wal.stream-synchronous and wal.spool-dir in Settings

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2", description = "Segments uploaded at once (default ${DEFAULT-VALUE}).")
    int parallel;

    @Spec
    CommandSpec spec;

    final AtomicBoolean running = new AtomicBoolean(true);

    @Override
    public Integer call() {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            running.set(false);
            try {
                // the segments received so far are stored and confirmed before the JVM goes
                closed.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "pgnest-wal-stream-stop");
        try (WalAccess access = WalAccess.open(spec)) {
            String slot = access.config().target().require(Settings.WAL_STREAM_SLOT);
            Path dir = access.spool().create().root().resolve("stream-" + slot);
            boolean synchronous = access.config().target().require(Settings.WAL_STREAM_SYNCHRONOUS);
            WalStreamer streamer = new WalStreamer(access.connection(), new WalStreamer.Options(slot, dir, parallel,
                    Duration.ofSeconds(5), synchronous, Duration.ofSeconds(10)), WalStreamer.SegmentSink.into(access.archive()));
            Runtime.getRuntime().addShutdownHook(hook);
            streamer.run(running::get);
            spec.commandLine().getOut().println("stopped; " + streamer.progress().segmentsStored() + " segments stored, last "
                    + streamer.progress().lastStored());
            spec.commandLine().getOut().flush();
        } finally {
            closed.countDown();
            WalServeCommand.removeHook(hook);
        }
        return ExitCode.OK.status();
    }
}
