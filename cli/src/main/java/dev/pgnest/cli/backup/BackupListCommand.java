package dev.pgnest.cli.backup;

import dev.pgnest.cli.shared.Format;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.restore.timeline.TimelineSvg;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalCheck;
import dev.pgnest.wal.WalSegment;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = {
        "List the target's backups, oldest first (only committed ones: those with a manifest), and for each",
        "physical backup the window it restores to: from its end to the end of the WAL archived after it",
        "without a gap. PROVEN is when a restore drill (pgnest restore drill, or pgnest serve's, on any host) last",
        "restored the backup (or a diff/incr backup whose restore read it) and passed; a backup whose last",
        "verification or drill failed is marked DAMAGED, and",
        "expire counts it for nothing. --output svg draws the restorable window instead (backups, WAL coverage per",
        "timeline and its gaps, drills, verifications) as one SVG file."})
public final class BackupListCommand implements Callable<Integer> {
    private static final String ROW = "%-17s %-8s %-20s %10s %10s %9s %-8s %-8s %-20s %s";

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<SettingValues> repositories = RepositoryAccess.listed(spec);
        if (repositories.size() == 1 || output.svg()) {
            try (RepositoryAccess access = RepositoryAccess.open(spec)) {
                return list(access, spec.commandLine().getOut());
            }
        }
        // a target with several repositories: each one's backups, under its name
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (SettingValues repository : repositories) {
                try (RepositoryAccess access = RepositoryAccess.open(spec, repository)) {
                    all.put(repository.name(), rows(access, access.repository().catalog().listing(access.target()).backups()));
                } catch (PgnestException e) {
                    all.put(repository.name(), Map.of("error", e.getMessage()));
                }
            }
            OutputOptions.printJson(out, all);
            return ExitCode.OK.status();
        }
        boolean reachable = true;
        for (SettingValues repository : repositories) {
            out.println("== repository " + repository.name());
            try (RepositoryAccess access = RepositoryAccess.open(spec, repository)) {
                list(access, out);
            } catch (PgnestException e) {
                reachable = false;
                out.println("UNREACHABLE: " + e.getMessage());
            }
        }
        out.flush();
        return reachable ? ExitCode.OK.status() : ExitCode.ATTENTION.status();
    }

    private int list(RepositoryAccess access, PrintWriter out) {
        String target = access.target();
        List<Catalog.Entry> backups = access.repository().catalog().listing(target).backups();
        if (output.svg()) {
            Instant now = Instant.now();
            Instant from = now.minus(Duration.ofDays(TimelinePicture.DEFAULT_DAYS));
            // a file kept for later shows every backup, not only the last days'
            for (Catalog.Entry e : backups) {
                from = e.manifest().startTime().isBefore(from) ? e.manifest().startTime() : from;
            }
            out.println(TimelineSvg.render(TimelinePicture.read(access.repository(), target, from, now)));
            out.flush();
            return ExitCode.OK.status();
        }
        if (output.json()) {
            OutputOptions.printJson(out, rows(access, backups));
            return ExitCode.OK.status();
        }
        Windows windows = Windows.of(access, target, backups);
        if (backups.isEmpty()) {
            out.println("no backups of target " + target + " in " + access.repository().location());
        } else {
            out.println(String.format(ROW, "ID", "KIND", "STARTED", "SIZE", "RAW", "DURATION", "SCHEMA", "VERIFIED", "PROVEN", "TAGS"));
            for (Catalog.Entry e : backups) {
                var m = e.manifest();
                out.println(String.format(ROW, m.id(), m.kind().id(), Format.time(m.startTime()),
                        Format.bytes(m.storedSize()), Format.bytes(m.rawSize()), Format.duration(m.duration()),
                        m.schemaVersion() == null ? "-" : m.schemaVersion(), BackupViews.verified(e.verification()),
                        e.lastProven().map(d -> Format.time(d.finishedAt())).orElse("never"),
                        String.join(",", m.tags())).stripTrailing());
                m.dependsOn().ifPresent(d -> out.println("  " + m.physical().type() + ": depends on " + d));
                e.damage().ifPresent(d -> out.println("  DAMAGED: " + d + " (expire counts it for nothing)"));
                windows.of(e).ifPresent(w -> out.println("  " + describe(m, w, windows.segmentSize())));
            }
        }
        out.flush();
        return ExitCode.OK.status();
    }

    private static List<BackupViews.BackupRow> rows(RepositoryAccess access, List<Catalog.Entry> backups) {
        Windows windows = Windows.of(access, access.target(), backups);
        return backups.stream().map(e -> BackupViews.BackupRow.of(e, windows.of(e), windows.segmentSize())).toList();
    }

    /** The window a physical backup restores to, as one line. */
    static String describe(BackupManifest m, WalCheck.BackupWindow w, long segmentSize) {
        if (!w.restorable()) {
            return "NOT restorable: the WAL archive lacks segments up to " + w.stop().name(segmentSize)
                    + " (pgnest wal check shows what is missing)";
        }
        return "restorable from " + Format.time(m.endTime()) + " (LSN " + w.consistentAt() + ") to about "
                + w.reachableArchived().map(Format::time).orElse("?") + " (LSN " + w.restorableTo(segmentSize).orElseThrow()
                + ", end of " + w.reachable().orElseThrow().name(segmentSize) + ")"
                + (w.endsAtGap() ? ", where a gap in the WAL archive begins (pgnest wal check)" : "");
    }

    /** The physical backups' windows: the WAL archive is listed once, and only when there is a physical backup. */
    private record Windows(Map<String, WalCheck.BackupWindow> byId, long segmentSize) {
        static Windows of(RepositoryAccess access, String target, List<Catalog.Entry> backups) {
            List<WalCheck.BackupRef> physical = WalCheck.BackupRef.physical(backups.stream().map(Catalog.Entry::manifest).toList());
            if (physical.isEmpty()) {
                return new Windows(Map.of(), WalSegment.DEFAULT_SIZE);
            }
            WalArchive archive = WalArchive.reader(access.storage(), target);
            WalArchive.Contents contents = archive.contents();
            Map<String, WalCheck.BackupWindow> byId = new HashMap<>();
            WalCheck.windows(archive, contents, physical).forEach(w -> byId.put(w.backupId(), w));
            return new Windows(byId, contents.segmentSize());
        }

        Optional<WalCheck.BackupWindow> of(Catalog.Entry e) {
            return Optional.ofNullable(byId.get(e.id()));
        }
    }
}
