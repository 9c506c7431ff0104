package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.trace.TraceReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rehearse", description = {
        "Rehearse the pending migrations on a restore of the latest backup (or --backup ID).",
        "A logical backup is restored into a scratch cluster or a scratch database (drill.mode), a physical",
        "one recovered into a scratch cluster listening on 127.0.0.1 only; the migrations",
        "run there statement by statement, and the copy is torn down; the target is never written to.",
        "The report (restore.report-dir) gives each statement's locks and how long they are held, rewrites,",
        "duration, rows and failures. Exits 3 when a statement fails, holds a write-blocking lock on an",
        "existing relation longer than rehearse.lock-threshold, or rewrites a relation larger than",
        "rehearse.rewrite-threshold."})
public final class MigrateRehearseCommand implements Callable<Integer> {
    // --mode: declared with drill.mode in Settings

    @Option(names = "--backup", paramLabel = "ID", description = "Rehearse on this backup (logical or physical) instead of the latest.")
    String backup;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Rehearsal.Saved saved = Rehearsal.run(spec, backup);
        Rehearsal.Result r = saved.result();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, r);
        } else {
            TraceReport trace = saved.trace();
            for (TraceReport.TracedMigration m : trace.migrations()) {
                out.println(m.script() + (m.transactional() ? "" : " (outside a transaction)"));
                for (TraceReport.TracedStatement s : m.statements()) {
                    out.println("  line " + s.line() + ": " + s.duration().toMillis() + " ms"
                            + (s.rows() == null ? "" : ", " + s.rows() + " rows")
                            + (s.traced() ? s.locks().stream().map(l -> ", " + l.mode() + " " + l.relation() + " held "
                                    + l.held().toMillis() + " ms").collect(Collectors.joining()) : ", locks not traced")
                            + s.rewrites().stream().map(w -> ", rewrote " + w.kind() + " " + w.relation() + " ("
                                    + w.sizeBytes() + " bytes)").collect(Collectors.joining())
                            + (s.failure() == null ? "" : ", FAILED " + s.failure().sqlState() + ": " + s.failure().message()));
                }
            }
            trace.problems().forEach(p -> out.println("attention: " + p));
            out.println("rehearsal " + r.id() + " of target " + r.target() + " on backup " + r.backup() + ": "
                    + (trace.migrations().isEmpty() ? "nothing pending at version " + MigrateDeployCommand.version(r.schemaVersion())
                    : trace.migrations().size() + " migrations, " + trace.statementCount() + " statements, "
                            + (r.needsAttention() ? trace.problems().size() + " need attention" : "nothing needs attention")));
            out.println("report: " + saved.report());
            out.flush();
        }
        return r.needsAttention() ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
    }
}
