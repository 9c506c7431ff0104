package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.StatusReport;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", description = {
        "Show every migration: applied, pending, failed, missing locally or edited after it was applied.",
        "Exits 3 when anything is pending, failed or modified, so CI can gate on it."})
public final class MigrateStatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);


    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        StatusReport report = new Migrations(MigrationOptions.settings(spec)).status();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, Views.StatusView.of(report));
        } else {
            out.println("target " + report.target() + ", current version " + MigrateDeployCommand.version(report.currentVersion()));
            out.println(String.format("%-4s %-16s %-18s %-40s %-21s %s", "", "VERSION", "STATUS", "DESCRIPTION", "APPLIED AT", "DURATION"));
            for (StatusReport.Row row : report.rows()) {
                out.println(String.format("%-4s %-16s %-18s %-40s %-21s %s", row.status().symbol(),
                        row.version() == null ? "repeatable" : row.version(),
                        row.status().name().toLowerCase().replace('_', ' '), row.description(),
                        row.appliedAt() == null ? "" : AT.format(row.appliedAt()), Views.ms(row.duration())).stripTrailing());
            }
            out.println(report.needsAttention()
                    ? "needs attention: " + summary(report)
                    : "database schema is up to date");
            out.flush();
        }
        return report.needsAttention() ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
    }

    private static String summary(StatusReport r) {
        StringBuilder b = new StringBuilder();
        for (var status : dev.pgnest.migrate.MigrationStatus.values()) {
            long n = r.withStatus(status).size();
            if (n > 0 && status.needsAttention()) {
                b.append(b.length() == 0 ? "" : ", ").append(n).append(' ').append(status.name().toLowerCase().replace('_', ' '));
            }
        }
        return b.toString();
    }
}
