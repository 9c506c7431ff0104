package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.PlannedMigration;
import dev.pgnest.migrate.Snapshot;
import dev.pgnest.migrate.lint.Finding;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "deploy", description = {
        "Apply pending migrations in order, each in a transaction where PostgreSQL allows it.",
        "Lints them first and refuses on errors unless --allow-unsafe. On a protected target, records a",
        "restore point first. Each migration runs under deploy.lock-timeout (and deploy.statement-timeout);",
        "one that times out waiting for a lock is retried deploy.lock-retries times with backoff.",
        "RUN_MIGRATIONS=false skips (for container entrypoints)."})
public final class MigrateDeployCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Option(names = "--dry-run", description = "Print the SQL that would run, in order; change nothing.")
    boolean dryRun;

    @Option(names = "--allow-unsafe", description = "Apply even when lint finds errors in pending migrations.")
    boolean allowUnsafe;

    @Option(names = "--drop-invalid-indexes", description = {"When a CREATE INDEX CONCURRENTLY times out waiting, drop the "
            + "INVALID index it leaves (DROP INDEX CONCURRENTLY) and retry, instead of stopping with the DROP to run."})
    boolean dropInvalidIndexes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!CommandContext.of(spec).config().global().require(Settings.RUN_MIGRATIONS)) {
            if (output.json()) {
                OutputOptions.printJson(out, new Views.DeployView(null, dryRun, true, null, null, List.of(), List.of(),
                        List.of(), null));
            } else {
                out.println("RUN_MIGRATIONS=false: skipping migrate deploy");
                out.flush();
            }
            return ExitCode.OK.status();
        }
        DeployReport report = new Migrations(MigrationOptions.settings(spec))
                .deploy(DeployOptions.defaults().withDryRun(dryRun).withAllowUnsafe(allowUnsafe)
                        .withDropInvalidIndexes(dropInvalidIndexes)
                        .withHook(SnapshotHooks.forTarget(CommandContext.of(spec).config())));
        if (output.json()) {
            OutputOptions.printJson(out, Views.DeployView.of(report));
        } else {
            print(out, report);
        }
        return ExitCode.OK.status();
    }

    private static void print(PrintWriter out, DeployReport r) {
        for (Finding f : r.lint()) {
            out.println(f.severity().name().toLowerCase() + ": " + f.describe());
        }
        if (r.dryRun()) {
            if (r.plan().isEmpty()) {
                out.println("-- dry run: nothing pending on target " + r.target() + " (at version " + version(r.versionBefore()) + ")");
            }
            for (PlannedMigration p : r.plan()) {
                out.println("-- " + Views.name(p.version(), p.description(), p.script()) + " (" + p.script() + ")"
                        + (p.transactional() ? "" : " [runs outside a transaction]"));
                out.println(p.sql().stripTrailing());
                out.println();
            }
            out.flush();
            return;
        }
        Snapshot s = r.snapshot();
        if (s != null) {
            out.println(s.recorded()
                    ? "snapshot: " + s.kind() + " " + s.name() + " at " + s.location() + " (schema version " + version(s.schemaVersion()) + ")"
                            + (s.note() == null ? "" : "; " + s.note())
                    : "snapshot: none - " + s.note());
        }
        for (DeployReport.Applied a : r.applied()) {
            out.println("applied " + Views.name(a.version(), a.description(), a.script()) + " (" + Views.ms(a.duration()) + ")"
                    + (a.transactional() ? "" : " [outside a transaction]"));
        }
        out.println(r.applied().isEmpty()
                ? "target " + r.target() + " is up to date at version " + version(r.versionAfter())
                : "target " + r.target() + " migrated from version " + version(r.versionBefore()) + " to " + version(r.versionAfter())
                        + " (" + r.applied().size() + " applied)");
        out.flush();
    }

    static String version(String v) {
        return v == null ? "<empty>" : v;
    }
}
