package dev.pgnest.cli.serve;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.Settings;
import dev.pgnest.serve.BackupService;
import dev.pgnest.serve.ConfiguredService;
import dev.pgnest.serve.WalPushEndpoint;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code pgnest serve}: the service {@link ConfiguredService} builds from the configuration, run
 * until SIGTERM (graceful: see {@code serve.shutdown-timeout}).
 */
@Command(name = "serve",
        description = {"Run the backup service: every target's schedule.* jobs (clustered: run as many replicas as you",
                "like on one job store), /health, /metrics and a status page on serve.listen, alerts.",
                "Stops gracefully on SIGTERM."})
public final class ServeCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PgnestConfig config = CommandContext.of(spec).config();
        BackupService service = ConfiguredService.build(config, CommandContext.of(spec).tempDir());
        ConfiguredService.initRepository(config)
                .ifPresent(location -> spec.commandLine().getOut().println("created a new pgnest repository at " + location));
        service.start();
        PrintWriter out = spec.commandLine().getOut();
        out.println("pgnest serve " + service.instanceId() + " running"
                + (service.port() > 0 ? ": http://" + config.global().require(Settings.SERVE_LISTEN).urlHost()
                + ":" + service.port() + "/" : "") + " (SIGTERM stops it)");
        out.flush();
        WalPushEndpoint walPush = WalPushEndpoint.start(config);
        Thread hook = new Thread(() -> {
            service.close();
            walPush.close(); // after the jobs: a physical backup waits for its WAL to be pushed
        }, "pgnest-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            service.close();
        } finally {
            walPush.close();
        }
    }
}
