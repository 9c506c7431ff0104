package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalSpool;
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
        "The user needs the REPLICATION attribute; the server needs max_wal_senders > 0."})
public final class WalStreamCommand implements Callable<Integer> {
    @Option(names = "--slot", paramLabel = "NAME", defaultValue = "${env:PGNEST_WAL_STREAM_SLOT:-pgnest}",
            description = "Physical replication slot, created when missing (env PGNEST_WAL_STREAM_SLOT; default ${DEFAULT-VALUE}).")
    String slot;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2", description = "Segments uploaded at once (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:PGNEST_WAL_SPOOL_DIR}",
            description = "Local spool directory for the segment being received.")
    Path spoolDir;

    @Spec
    CommandSpec spec;

    final AtomicBoolean running = new AtomicBoolean(true);

    @Override
    public Integer call() {
        try (WalAccess access = WalAccess.open(spec)) {
            Path dir = WalSpool.at(spoolDir).create().root().resolve("stream-" + slot);
            WalStreamer streamer = new WalStreamer(access.connection(), new WalStreamer.Options(slot, dir, parallel,
                    Duration.ofSeconds(5)), (name, file) -> access.archive().push(file));
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                running.set(false);
                try {
                    main.join(30_000);
                } catch (InterruptedException ignored) {
                    // exiting anyway
                }
            }, "pgnest-wal-stream-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                streamer.run(running::get);
            } finally {
                WalServeCommand.removeHook(hook);
            }
            spec.commandLine().getOut().println("stopped; " + streamer.progress().segmentsStored() + " segments stored, last "
                    + streamer.progress().lastStored());
            spec.commandLine().getOut().flush();
        }
        return ExitCode.OK.status();
    }
}
