package dev.pgnest.cli.backup;

import dev.pgnest.cli.shared.Format;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.Verification;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", description = "Show one backup's manifest, its verifications and the restore drills that restored it.")
public final class BackupShowCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "Backup id (see pgnest backup list), or latest.")
    String id;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            Catalog catalog = access.repository().catalog();
            String chosen = BackupSelection.resolve(catalog, access.target(), id).id();
            // the listing attaches the drill records to the backup
            Catalog.Entry e = catalog.listing(access.target()).backup(chosen).orElseThrow();
            List<Verification> verifications = catalog.verifications(access.target(), chosen);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, BackupViews.BackupDetail.of(e, verifications));
                return ExitCode.OK.status();
            }
            BackupManifest m = e.manifest();
            line(out, "id", m.id());
            line(out, "kind", m.kind().id());
            line(out, "target", m.target());
            line(out, "started", Format.time(m.startTime()));
            line(out, "finished", Format.time(m.endTime()) + " (" + Format.duration(m.duration()) + ")");
            if (m.postgres() != null) {
                line(out, "postgresql", m.postgres().version()
                        + (m.postgres().systemIdentifier() == null ? "" : ", system id " + m.postgres().systemIdentifier()));
            }
            if (m.logical() != null) {
                line(out, "database", m.logical().database());
                line(out, "pg_dump", m.logical().pgDumpVersion());
            }
            if (m.physical() != null) {
                line(out, "type", m.physical().type() + m.dependsOn().map(d -> ", depends on " + d).orElse(""));
                line(out, "timeline", Long.toString(m.physical().timeline()));
                line(out, "lsn", m.physical().startLsn() + " .. " + m.physical().stopLsn());
                line(out, "wal", m.physical().startWal() + " .. " + m.physical().stopWal());
            }
            line(out, "schema version", m.schemaVersion() == null ? "none" : m.schemaVersion());
            if (!m.tags().isEmpty()) {
                line(out, "tags", String.join(", ", m.tags()));
            }
            if (!m.precedesMigrations().isEmpty()) {
                line(out, "taken before", String.join(", ", m.precedesMigrations()));
            }
            line(out, "size", Format.bytes(m.storedSize()) + " stored, " + Format.bytes(m.rawSize()) + " raw, "
                    + m.compression() + ", encryption " + m.encryption());
            line(out, "written by", m.toolVersion());
            Verification v = e.verification();
            line(out, "verified", v == null ? "never"
                    : (v.ok() ? "ok" : "FAILED") + (v.deep() ? " (deep)" : "") + " at " + Format.time(v.time()));
            if (!verifications.isEmpty()) {
                out.println("verifications:");
                for (Verification each : verifications) {
                    out.println("  " + Format.time(each.time()) + "  " + (each.ok() ? "ok" : "FAILED") + (each.deep() ? " (deep)" : "")
                            + (each.toolVersion() == null ? "" : "  by " + each.toolVersion()));
                    each.problems().forEach(p -> out.println("    problem: " + p));
                }
            }
            line(out, "proven", e.lastProven().map(d -> Format.time(d.finishedAt()) + " (" + d.id()
                    + (e.id().equals(d.backupId()) ? "" : ", which restored " + d.backupId() + " of its chain") + ")").orElse("never"));
            e.damage().ifPresent(d -> line(out, "DAMAGED", d + " (expire counts it for nothing)"));
            if (!e.drills().isEmpty()) {
                out.println("drills:");
                for (DrillRecord d : e.drills()) {
                    out.println("  " + d.id() + "  " + (d.succeeded() ? "passed" : "FAILED") + " at " + Format.time(d.finishedAt())
                            + (d.host() == null ? "" : " on " + d.host()) + (d.error() == null ? "" : ": " + d.error())
                            + "  report " + d.report());
                }
            }
            out.println("objects:");
            for (BackupManifest.BackupObject o : m.objects()) {
                out.println("  " + o.name() + "  " + Format.bytes(o.size()) + "  sha256 " + o.sha256());
            }
            out.flush();
        }
        return ExitCode.OK.status();
    }

    private static void line(PrintWriter out, String label, String value) {
        out.println(String.format("%-15s %s", label + ":", value));
    }
}
