package dev.pgnest.migrate;

import java.util.Objects;

/**
 * @param dryRun             plan only: return the SQL that would run, change nothing
 * @param allowUnsafe        apply even when lint finds errors in pending migrations
 * @param hook               the pre-migration snapshot for protected targets
 * @param dropInvalidIndexes when a concurrent index build hits its lock timeout, drop the INVALID
 *                           index it leaves and retry, instead of stopping with the DROP to run
 */
public record DeployOptions(boolean dryRun, boolean allowUnsafe, PreMigrationHook hook, boolean dropInvalidIndexes) {

    public DeployOptions {
        Objects.requireNonNull(hook, "hook");
    }

    public DeployOptions(boolean dryRun, boolean allowUnsafe, PreMigrationHook hook) {
        this(dryRun, allowUnsafe, hook, false);
    }

    public static DeployOptions defaults() {
        return new DeployOptions(false, false, new RestorePointHook());
    }

    public DeployOptions withDryRun(boolean value) {
        return new DeployOptions(value, allowUnsafe, hook, dropInvalidIndexes);
    }

    public DeployOptions withAllowUnsafe(boolean value) {
        return new DeployOptions(dryRun, value, hook, dropInvalidIndexes);
    }

    public DeployOptions withHook(PreMigrationHook value) {
        return new DeployOptions(dryRun, allowUnsafe, value, dropInvalidIndexes);
    }

    public DeployOptions withDropInvalidIndexes(boolean value) {
        return new DeployOptions(dryRun, allowUnsafe, hook, value);
    }
}
