package dev.pgnest.cli.wal;

import dev.pgnest.config.ExitCode;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push", description = {
        "Archive one WAL file: archive_command = 'pgnest wal push %%p'. Exits 0 only once the file is stored.",
        "A file already archived with the same content succeeds without a second upload; one archived with",
        "different content fails (exit 1) and is never overwritten. When `pgnest wal serve` runs, the launcher",
        "hands the file to it without starting a JVM; when none runs, to a background pusher it starts for the",
        "spool directory, which exits after wal.push-idle-exit without a push (0: never start one)."})
public final class WalPushCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WalPushCommand.class);

    @Parameters(index = "0", paramLabel = "PATH", description = "The WAL file, as PostgreSQL passes it in %%p.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (WalArchives archives = WalAccess.forPush(spec)) {
            WalArchive.PushResult r = archives.push(file);
            LOG.info("{} {} ({} bytes stored)", r.walFileName(),
                    r.outcome() == WalArchive.PushOutcome.STORED ? "archived" : "was already archived", r.storedBytes());
        }
        return ExitCode.OK.status();
    }
}
