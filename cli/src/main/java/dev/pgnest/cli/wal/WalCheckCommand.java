package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalBacklog;
import dev.pgnest.wal.WalCheck;
import dev.pgnest.wal.WalCoverage;
import java.io.PrintWriter;
import java.util.ArrayList;
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
        "backup whose WAL is incomplete. A target with several repositories: each one's archive, and the WAL",
        "still queued for one that was unreachable (exit 3 until it is filled in)."})
public final class WalCheckCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (CommandContext.of(spec).config().targetRepositories().size() > 1) {
            return eachRepository();
        }
        WalCheck.Report report;
        try (WalAccess access = WalAccess.open(spec)) {
            report = check(access.repository(), access.archive());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, json(report));
        } else {
            print(out, report);
            out.flush();
        }
        return report.healthy() ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }

    private static WalCheck.Report check(Repository repository, WalArchive archive) {
        List<WalCheck.BackupRef> backups = WalCheck.BackupRef.physical(repository.catalog()
                .backups(archive.target()).stream().map(Catalog.Entry::manifest).toList());
        return WalCheck.run(archive, backups);
    }

    /**
     * A target with several repositories: the archive of each, and what each still misses of
     * the WAL already acknowledged (queued in the spool while it was unreachable).
     */
    private int eachRepository() {
        boolean healthy = true;
        List<Map<String, Object>> json = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        String target;
        try (WalArchives archives = WalAccess.forPush(spec)) {
            target = archives.target();
            Map<String, WalBacklog.State> backlogs = archives.backlogs();
            for (WalArchives.Member m : archives.members()) {
                WalBacklog.State queued = backlogs.get(m.repository());
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("repository", m.repository());
                entry.put("queuedFiles", queued.files());
                entry.put("queuedBytes", queued.bytes());
                entry.put("oldestQueued", queued.oldest().map(Object::toString).orElse(null));
                healthy &= queued.empty();
                if (!output.json()) {
                    out.println("== repository " + m.repository() + (queued.empty() ? ""
                            : ": BEHIND, " + queued.files() + " WAL files (" + (queued.bytes() >> 20) + " MB) queued in "
                            + m.backlog().directory() + " since " + queued.oldest().map(Object::toString).orElse("?")
                            + ", from " + queued.firstFile().orElse("?") + "; the next wal push fills them in"));
                }
                try {
                    WalCheck.Report report = check(Repository.open(m.archive().storage()), m.archive());
                    healthy &= report.healthy();
                    entry.putAll(json(report));
                    if (!output.json()) {
                        print(out, report);
                    }
                } catch (PgnestException e) {
                    healthy = false;
                    entry.put("healthy", false);
                    entry.put("error", e.getMessage());
                    if (!output.json()) {
                        out.println("UNREACHABLE: " + e.getMessage());
                    }
                }
                json.add(entry);
            }
        }
        if (output.json()) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("target", target);
            all.put("healthy", healthy);
            all.put("repositories", json);
            OutputOptions.printJson(out, all);
        }
        out.flush();
        return healthy ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }

    private static Map<String, Object> json(WalCheck.Report report) {
        long size = report.segmentSize();
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
        return json;
    }

    private static void print(PrintWriter out, WalCheck.Report report) {
        long size = report.segmentSize();
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
    }
}
