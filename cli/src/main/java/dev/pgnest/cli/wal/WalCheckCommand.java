package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.Catalog;
import dev.pgnest.wal.WalCheck;
import dev.pgnest.wal.WalCoverage;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "check", description = {
        "Show the WAL archive's coverage per timeline and any gaps, and for each physical backup the last",
        "segment it can be recovered to. Exits 3 when there is a gap, a timeline without its history file, or a",
        "backup whose WAL is incomplete."})
public final class WalCheckCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        WalCheck.Report report;
        try (WalAccess access = WalAccess.open(spec)) {
            List<WalCheck.BackupRef> backups = WalCheck.BackupRef.physical(access.repository().catalog()
                    .backups(access.target()).stream().map(Catalog.Entry::manifest).toList());
            report = WalCheck.run(access.archive(), backups);
        }
        long size = report.segmentSize();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("target", report.target());
            json.put("healthy", report.healthy());
            json.put("segmentSize", size);
            json.put("storedBytes", report.storedBytes());
            json.put("timelines", report.timelines().stream().map(t -> Map.of(
                    "timeline", t.timeline(), "segments", t.segments(), "history", t.hasHistory(),
                    "ranges", t.ranges().stream().map(r -> r.format(size)).toList())).toList());
            json.put("gaps", report.gaps().stream().map(r -> r.format(size)).toList());
            json.put("backups", report.backups().stream().map(b -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", b.backupId());
                m.put("startWal", b.start().name(size));
                m.put("stopWal", b.stop().name(size));
                m.put("recoverableTo", b.reachable().map(s -> s.name(size)).orElse(null));
                m.put("restorable", b.restorable());
                return m;
            }).toList());
            OutputOptions.printJson(out, json);
        } else {
            out.println("WAL archive of target " + report.target() + ": " + (size >> 20) + " MB segments, "
                    + (report.storedBytes() >> 20) + " MB stored");
            if (report.timelines().isEmpty()) {
                out.println("  empty: no WAL archived yet (is archive_command set to pgnest wal push %p?)");
            }
            for (WalCheck.TimelineCoverage t : report.timelines()) {
                out.println("timeline " + t.timeline() + ": " + t.segments() + " segments"
                        + (t.hasHistory() ? "" : ", history file MISSING"));
                for (WalCoverage.Range r : t.ranges()) {
                    out.println("  " + r.format(size) + " (" + r.count() + ")");
                }
            }
            for (WalCoverage.Range gap : report.gaps()) {
                out.println("GAP: " + gap.format(size) + " (" + gap.count() + " segments missing)");
            }
            for (WalCheck.BackupWindow b : report.backups()) {
                out.println("backup " + b.backupId() + ": from " + b.start().name(size)
                        + (b.restorable() ? ", recoverable to the end of " + b.reachable().get().name(size)
                        : ", NOT restorable: WAL up to " + b.stop().name(size) + " is incomplete"));
            }
            out.println(report.healthy() ? "archive is complete" : "archive needs attention");
            out.flush();
        }
        return report.healthy() ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }
}
