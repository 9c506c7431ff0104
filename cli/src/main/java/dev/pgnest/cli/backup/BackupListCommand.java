package dev.pgnest.cli.backup;

import dev.pgnest.cli.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.Catalog;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "List the target's backups, oldest first (only committed ones: those with a manifest).")
public final class BackupListCommand implements Callable<Integer> {
    private static final String ROW = "%-17s %-8s %-20s %10s %10s %9s %-8s %-8s %s";

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            String target = access.target();
            List<Catalog.Entry> backups = access.repository().catalog().backups(target);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, backups.stream().map(BackupViews.BackupRow::of).toList());
                return ExitCode.OK.status();
            }
            if (backups.isEmpty()) {
                out.println("no backups of target " + target + " in " + access.repository().location());
            } else {
                out.println(String.format(ROW, "ID", "KIND", "STARTED", "SIZE", "RAW", "DURATION", "SCHEMA", "VERIFIED", "TAGS"));
                for (Catalog.Entry e : backups) {
                    var m = e.manifest();
                    out.println(String.format(ROW, m.id(), m.kind().id(), Format.time(m.startTime()),
                            Format.bytes(m.storedSize()), Format.bytes(m.rawSize()), Format.duration(m.duration()),
                            m.schemaVersion() == null ? "-" : m.schemaVersion(), BackupViews.verified(e.verification()),
                            String.join(",", m.tags())).stripTrailing());
                }
            }
            out.flush();
        }
        return ExitCode.OK.status();
    }

}
