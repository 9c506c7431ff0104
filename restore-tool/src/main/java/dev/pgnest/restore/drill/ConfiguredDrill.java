package dev.pgnest.restore.drill;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.report.ReportRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One drill of a target as its configuration says (drill.mode, drill.checks): what
 * {@code pgnest restore drill} and the service's drill job both run.
 */
public final class ConfiguredDrill {
    private ConfiguredDrill() {
    }

    /**
     * @param kind        the kind of backup to prove, or null for the kind of the target's newest backup
     * @param extraChecks SQL checks besides drill.checks
     */
    public static RestoreDrill.Result run(RestoreContext context, String kind, List<String> extraChecks) {
        List<String> sql = new ArrayList<>(context.targetSettings().get(Settings.DRILL_CHECKS).orElse(List.of()));
        sql.addAll(extraChecks);
        RestoreDrill.Where place = place(context);
        BackupKind backupKind = kind != null ? kind(kind)
                : context.repository().catalog().latest(context.target(), null).map(e -> e.manifest().kind()).orElse(BackupKind.LOGICAL);
        RestoreDrill.Physical physical = backupKind == BackupKind.PHYSICAL ? physical(context) : null;
        return RestoreDrill.run(context.repository(),
                place == RestoreDrill.Where.SCRATCH_DATABASE ? context.connection() : null,
                new RestoreDrill.Options(context.target(), backupKind, place, context.scratchDir(),
                        place == RestoreDrill.Where.SCRATCH_CLUSTER || physical != null ? context.account() : null,
                        context.binaries(), sql, null, context.stagingDir(), physical),
                RestoreContext.toolVersion());
    }

    /**
     * Restores a backup into a scratch copy, hands the restored database to {@code use}, and
     * tears it down. A logical backup goes where drill.mode says (scratch cluster or scratch
     * database); a physical one is recovered into a scratch data directory as the physical drill
     * does, whatever drill.mode says, and its server listens on 127.0.0.1 for {@code use}.
     *
     * @param backup the latest backup (of either kind), or one by id
     */
    public static <T> T onScratchCopy(RestoreContext context, BackupSelector backup, ReportRecorder report,
                                      RestoreDrill.ScratchUse<T> use) {
        if (kindOf(context, backup) == BackupKind.PHYSICAL) {
            return RestoreDrill.onPhysicalScratchCopy(context.repository(),
                    new RestoreDrill.Options(context.target(), BackupKind.PHYSICAL, RestoreDrill.Where.SCRATCH_CLUSTER,
                            context.scratchDir(), context.account(), context.binaries(), List.of(), null, context.stagingDir(),
                            physical(context)),
                    backup, scratchUser(context), report, use);
        }
        RestoreDrill.Where place = place(context);
        return RestoreDrill.onScratchCopy(context.repository(),
                place == RestoreDrill.Where.SCRATCH_DATABASE ? context.connection() : null,
                new RestoreDrill.Options(context.target(), BackupKind.LOGICAL, place, context.scratchDir(),
                        place == RestoreDrill.Where.SCRATCH_CLUSTER ? context.account() : null,
                        context.binaries(), List.of(), null, context.stagingDir(), null),
                backup, report, use);
    }

    /** The kind of the selected backup; logical when there is none (the logical restore then says so). */
    private static BackupKind kindOf(RestoreContext context, BackupSelector backup) {
        return (backup instanceof BackupSelector.ById byId
                ? context.repository().catalog().find(context.target(), byId.id())
                : context.repository().catalog().latest(context.target(), null))
                .map(e -> e.manifest().kind()).orElse(BackupKind.LOGICAL);
    }

    private static RestoreDrill.Physical physical(RestoreContext context) {
        return new RestoreDrill.Physical(context.restoreCommand(), databaseName(context), context.parallelism(),
                context.config().global().require(Settings.RESTORE_TIMEOUT));
    }

    /** The target's user and database, as they are in a physical copy (postgres when no URL is configured). */
    private static DatabaseConnection scratchUser(RestoreContext context) {
        try {
            return context.connection();
        } catch (PgnestException e) {
            return new DatabaseConnection("127.0.0.1", 5432, "postgres", "postgres", null, Map.of());
        }
    }

    private static RestoreDrill.Where place(RestoreContext context) {
        String where = context.targetSettings().require(Settings.DRILL_MODE);
        return switch (where) {
            case "cluster" -> RestoreDrill.Where.SCRATCH_CLUSTER;
            case "database" -> RestoreDrill.Where.SCRATCH_DATABASE;
            default -> throw new IllegalStateException("drill.mode " + where + " is not declared");
        };
    }

    private static BackupKind kind(String text) {
        try {
            return BackupKind.parse(text.strip());
        } catch (IllegalArgumentException e) {
            throw new PgnestException(ErrorKind.USAGE, "--kind " + text + " is not a backup kind", "use logical or physical");
        }
    }

    /** The target's database, checked in the recovered cluster (postgres when no URL is configured). */
    private static String databaseName(RestoreContext context) {
        try {
            return context.connection().database();
        } catch (PgnestException e) {
            return "postgres";
        }
    }
}
