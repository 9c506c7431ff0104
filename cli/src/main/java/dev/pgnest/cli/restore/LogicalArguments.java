package dev.pgnest.cli.restore;

import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.logical.LogicalRestoreOptions;
import dev.pgnest.restore.plan.BackupSelector;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of {@code restore logical} and {@code restore plan logical}. */
final class LogicalArguments {
    @Option(names = "--backup", paramLabel = "ID|latest", description = "The backup to restore (default: latest).")
    String backup;

    @Option(names = "--before-migration", paramLabel = "VERSION",
            description = "The database as it was before this migration: its pre-migration snapshot, else the newest older backup.")
    String beforeMigration;

    @Option(names = "--into", paramLabel = "DATABASE",
            description = "Database to restore into (default: <database>_<backup time>, a new one).")
    String into;

    @Option(names = "--replace", description = "Restore over an existing database; it is kept until the restore succeeded.")
    boolean replace;

    @Option(names = "--force", description = "Allow --replace on a protected target.")
    boolean force;

    @Option(names = "--schema", paramLabel = "SCHEMA", description = "Restore only this schema (repeatable).")
    List<String> schemas = new ArrayList<>();

    @Option(names = "--table", paramLabel = "TABLE", description = "Restore only this table (repeatable).")
    List<String> tables = new ArrayList<>();

    // -j/--jobs: declared with restore.parallelism in Settings

    @Option(names = "--no-stage", description = "Do not stage the dump on disk: read it twice (check, then restore); no -j.")
    boolean noStage;

    @Option(names = "--no-owner", description = "Do not restore ownership and privileges (roles that do not exist here).")
    boolean noOwner;

    LogicalRestoreOptions options(RestoreContext context) {
        int jobCount = noStage ? 1 : context.parallelism();
        return LogicalRestoreOptions.defaults(context.target(), context.binaries())
                .withBackup(BackupSelector.of(backup, beforeMigration))
                .withInto(into)
                .withReplace(replace, force, context.protectedTarget())
                .withFilters(schemas, tables)
                .withStaging(noStage ? null : context.stagingDir(), jobCount)
                .withNoOwner(noOwner);
    }
}
