package dev.pgnest.restore.pitr;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The recovery configuration written into a restored data directory.
 *
 * @param restoreCommand the shell command PostgreSQL runs to get each WAL file, with {@code %f}
 *                       and {@code %p}, e.g. {@code /usr/bin/pgnest wal fetch %f %p}
 * @param target         where to stop
 * @param inclusive      stop just after the target (true, PostgreSQL's default) or just before
 *                       it; only for time, lsn and xid targets
 * @param action         what to do at the target
 * @param timeline       the timeline to recover along (the one the restorable window followed
 *                       from the backup), or 0 for the archive's newest
 */
public record RecoverySettings(String restoreCommand, RecoveryTarget target, boolean inclusive, RecoveryAction action,
                               int timeline) {

    /** Every setting an earlier restore (ours, pgBackRest's, a hand-written one) may have left. */
    static final List<String> OWNED = List.of(
            "restore_command", "recovery_target", "recovery_target_time", "recovery_target_lsn",
            "recovery_target_xid", "recovery_target_name", "recovery_target_inclusive",
            "recovery_target_action", "recovery_target_timeline");

    public RecoverySettings {
        Objects.requireNonNull(restoreCommand, "restoreCommand");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(action, "action");
        if (!restoreCommand.contains("%p") || !restoreCommand.contains("%f")) {
            throw new IllegalArgumentException("restore_command needs %f and %p: " + restoreCommand);
        }
    }

    public static RecoverySettings of(String restoreCommand, RecoveryTarget target) {
        return new RecoverySettings(restoreCommand, target, true, RecoveryAction.PROMOTE, 0);
    }

    public RecoverySettings withInclusive(boolean value) {
        return new RecoverySettings(restoreCommand, target, value, action, timeline);
    }

    public RecoverySettings withRestoreCommand(String value) {
        return new RecoverySettings(value, target, inclusive, action, timeline);
    }

    public RecoverySettings withAction(RecoveryAction value) {
        return new RecoverySettings(restoreCommand, target, inclusive, value, timeline);
    }

    /** The settings, in the order they are written. */
    public Map<String, String> asConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("restore_command", restoreCommand);
        config.putAll(target.settings());
        if (target.takesInclusive()) {
            config.put("recovery_target_inclusive", inclusive ? "on" : "off");
        }
        if (!(target instanceof RecoveryTarget.Latest)) {
            config.put("recovery_target_action", action.setting());
        }
        // 'latest' would follow the archive's newest timeline even when it branched off before
        // this backup (a restored copy that archived into the same target): PostgreSQL then
        // refuses it as "not a child of this server's history". Name the window's timeline.
        config.put("recovery_target_timeline", timeline > 0 ? Integer.toString(timeline) : "latest");
        return config;
    }

    /** Writes {@code recovery.signal} and these settings into {@code dataDir}; see {@link RecoveryFiles}. */
    public void writeTo(Path dataDir) {
        RecoveryFiles.write(dataDir, this);
    }
}
