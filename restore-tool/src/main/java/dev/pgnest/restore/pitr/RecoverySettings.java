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
 */
public record RecoverySettings(String restoreCommand, RecoveryTarget target, boolean inclusive, RecoveryAction action) {

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
        return new RecoverySettings(restoreCommand, target, true, RecoveryAction.PROMOTE);
    }

    public RecoverySettings withInclusive(boolean value) {
        return new RecoverySettings(restoreCommand, target, value, action);
    }

    public RecoverySettings withRestoreCommand(String value) {
        return new RecoverySettings(value, target, inclusive, action);
    }

    public RecoverySettings withAction(RecoveryAction value) {
        return new RecoverySettings(restoreCommand, target, inclusive, value);
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
        // follow the archive's newest timeline, as after an earlier failover or PITR
        config.put("recovery_target_timeline", "latest");
        return config;
    }

    /** Writes {@code recovery.signal} and these settings into {@code dataDir}; see {@link RecoveryFiles}. */
    public void writeTo(Path dataDir) {
        RecoveryFiles.write(dataDir, this);
    }
}
