package dev.pgnest.restore.plan;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.restore.report.IncidentReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The backup a selector picks from the catalog, and why.
 *
 * @param manifest the chosen backup
 * @param reason   how it was chosen, for plan and report
 * @param warnings what the operator should know (e.g. not a pre-migration snapshot)
 */
public record BackupChoice(BackupManifest manifest, String reason, List<String> warnings) {

    public BackupChoice {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * Picks a backup of {@code kind} for {@code target}.
     *
     * @throws PgnestException naming what the repository has when nothing fits
     */
    public static BackupChoice choose(Catalog catalog, String target, BackupKind kind, BackupSelector selector) {
        if (selector instanceof BackupSelector.ById byId) {
            BackupManifest m = catalog.get(target, byId.id()).manifest();
            if (m.kind() != kind) {
                throw new PgnestException(ErrorKind.USAGE, "backup " + m.id() + " is a " + m.kind() + " backup",
                        kind == BackupKind.LOGICAL ? "restore it with pgnest restore pitr" : "restore it with pgnest restore logical");
            }
            return new BackupChoice(m, "requested by id", List.of());
        }
        List<BackupManifest> all = catalog.backups(target).stream().map(Catalog.Entry::manifest)
                .filter(m -> m.kind() == kind).toList();
        if (all.isEmpty()) {
            throw new PgnestException(ErrorKind.USAGE, "the repository has no " + kind + " backup of target '" + target + "'",
                    "take one with pgnest backup " + kind + ", or check --target and --repo");
        }
        if (selector instanceof BackupSelector.Latest) {
            return new BackupChoice(all.get(all.size() - 1), "the newest " + kind + " backup", List.of());
        }
        String version = ((BackupSelector.BeforeMigration) selector).version();
        return beforeMigration(all, target, kind, version);
    }

    private static BackupChoice beforeMigration(List<BackupManifest> all, String target, BackupKind kind, String version) {
        for (int i = all.size() - 1; i >= 0; i--) {
            BackupManifest m = all.get(i);
            if (m.hasTag(BackupManifest.TAG_PRE_MIGRATION) && m.precedesMigrations().stream()
                    .anyMatch(v -> Databases.SCHEMA_VERSION_ORDER.compare(v, version) == 0)) {
                return new BackupChoice(m, "the pre-migration snapshot taken before migration " + version, List.of());
            }
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            BackupManifest m = all.get(i);
            if (m.schemaVersion() != null && Databases.SCHEMA_VERSION_ORDER.compare(m.schemaVersion(), version) < 0) {
                List<String> warnings = new ArrayList<>();
                warnings.add("no pre-migration snapshot for migration " + version + ": using backup " + m.id()
                        + " at schema version " + m.schemaVersion() + "; changes made after " + m.endTime()
                        + " and before the migration are not in it");
                return new BackupChoice(m, "the newest backup at a schema version before " + version, warnings);
            }
        }
        String versions = all.stream().map(m -> m.id() + " (" + Optional.ofNullable(m.schemaVersion()).orElse("no schema history") + ")")
                .collect(Collectors.joining(", "));
        throw new PgnestException(ErrorKind.USAGE, "no " + kind + " backup of target '" + target
                + "' holds the schema before migration " + version + "; backups: " + versions,
                "pick one with --backup ID, or restore " + (kind == BackupKind.LOGICAL ? "with pgnest restore pitr" : "a logical backup"));
    }

    /** The report's view of the backup. */
    public IncidentReport.BackupUsed describe() {
        BackupManifest.PhysicalInfo p = manifest.physical();
        return new IncidentReport.BackupUsed(manifest.id(), manifest.kind().id(), manifest.startTime(), manifest.endTime(),
                p == null ? null : p.startLsn(), p == null ? null : p.stopLsn(), p == null ? null : p.timeline(),
                manifest.schemaVersion(), manifest.storedSize());
    }
}
