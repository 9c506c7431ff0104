package dev.pgnest.backup.expire;

import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;

/** The retention policy a target's {@code retention.*} settings describe (flags, env or pgnest.yml). */
public final class RetentionSettings {
    private RetentionSettings() {
    }

    public static RetentionPolicy policy(SettingValues target) {
        return new RetentionPolicy(
                target.get(Settings.RETENTION_KEEP_LAST).orElse(0),
                target.get(Settings.RETENTION_MAX_AGE).orElse(null),
                target.get(Settings.RETENTION_KEEP_DAILY).orElse(0),
                target.get(Settings.RETENTION_KEEP_WEEKLY).orElse(0),
                target.get(Settings.RETENTION_KEEP_MONTHLY).orElse(0));
    }
}
