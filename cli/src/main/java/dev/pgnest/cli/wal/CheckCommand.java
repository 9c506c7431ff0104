package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.postgres.PostgresMajors;
import dev.pgnest.wal.ArchiveSetupCheck;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", description = {
        "Check that the target and the repository work together for point-in-time recovery: the server's",
        "PostgreSQL major (supported: " + PostgresMajors.OLDEST + " to " + PostgresMajors.NEWEST + "), wal_level,",
        "archive_mode, archive_command, archive_timeout and max_wal_senders, then force a WAL switch and wait",
        "for the segment to arrive in the archive. Exits 1 on a failed check, 3 on a warning."})
public final class CheckCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the switched segment (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--streaming", description = "WAL reaches the archive through `pgnest wal stream`, not archive_command.")
    boolean streaming;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ArchiveSetupCheck.Report report;
        try (WalAccess access = WalAccess.open(spec)) {
            report = ArchiveSetupCheck.run(access.connection(), access.archive(), Duration.ofSeconds(timeoutSeconds),
                    streaming ? access.config().target().require(Settings.WAL_STREAM_SLOT) : null);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("status", report.worst().name().toLowerCase());
            json.put("findings", report.findings());
            OutputOptions.printJson(out, json);
        } else {
            for (ArchiveSetupCheck.Finding f : report.findings()) {
                String mark = switch (f.status()) {
                    case OK -> "ok  ";
                    case WARNING -> "WARN";
                    case FAILED -> "FAIL";
                };
                out.println(mark + " " + f.check() + ": " + f.detail() + (f.hint().isEmpty() ? "" : " — " + f.hint()));
            }
            out.println(switch (report.worst()) {
                case OK -> "target and repository are ready for point-in-time recovery";
                case WARNING -> "works, with warnings";
                case FAILED -> "point-in-time recovery is NOT possible until the failures above are fixed";
            });
            out.flush();
        }
        return switch (report.worst()) {
            case OK -> ExitCode.OK.status();
            case WARNING -> ExitCode.ATTENTION.status();
            case FAILED -> ExitCode.FAILURE.status();
        };
    }
}
