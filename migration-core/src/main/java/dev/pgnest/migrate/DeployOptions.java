package dev.pgnest.migrate;

import java.util.Objects;

/**
 * @param dryRun      plan only: return the SQL that would run, change nothing
 * @param allowUnsafe apply even when lint finds errors in pending migrations
 * @param hook        the pre-migration snapshot for protected targets
 */
public record DeployOptions(boolean dryRun, boolean allowUnsafe, PreMigrationHook hook) {

    public DeployOptions {
        Objects.requireNonNull(hook, "hook");
    }

    public static DeployOptions defaults() {
        return new DeployOptions(false, false, new RestorePointHook());
    }

    public DeployOptions withDryRun(boolean value) {
        return new DeployOptions(value, allowUnsafe, hook);
    }

    public DeployOptions withAllowUnsafe(boolean value) {
        return new DeployOptions(dryRun, value, hook);
    }

    public DeployOptions withHook(PreMigrationHook value) {
        return new DeployOptions(dryRun, allowUnsafe, value);
    }
}
