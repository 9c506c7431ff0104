package dev.pgnest.restore.plan;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupId;

/** Which backup a restore starts from: {@code latest}, {@code --backup ID}, {@code --before-migration V}. */
public sealed interface BackupSelector {

    /** For reports: {@code latest}, {@code --backup 20250314-021500L}, {@code --before-migration 5}. */
    String describe();

    /** The newest committed backup of the kind the restore needs. */
    record Latest() implements BackupSelector {
        @Override
        public String describe() {
            return "latest";
        }
    }

    /** One backup by id. */
    record ById(String id) implements BackupSelector {
        public ById {
            BackupId.check(id);
        }

        @Override
        public String describe() {
            return "--backup " + id;
        }
    }

    /**
     * The database as it was just before migration {@code version} was applied: the
     * pre-migration snapshot taken for it, else the newest backup at an older schema version.
     */
    record BeforeMigration(String version) implements BackupSelector {
        public BeforeMigration {
            // A Prisma migration is named <timestamp>_<name>; its version is the timestamp.
            String v = version == null ? null : version.strip().replaceFirst("^([0-9]+)_[A-Za-z].*$", "$1");
            if (v == null || !v.matches("[0-9]+([._][0-9]+)*")) {
                throw new PgnestException(ErrorKind.USAGE, "'" + version + "' is not a migration version",
                        "write it as Flyway does, e.g. 5 or 2.1 (without the V prefix), or a Prisma migration's name or timestamp");
            }
            version = v;
        }

        @Override
        public String describe() {
            return "--before-migration " + version;
        }
    }

    /**
     * {@code --backup} and {@code --before-migration} as the CLI takes them: at most one set;
     * neither, or {@code --backup latest}, means the newest backup.
     */
    static BackupSelector of(String backup, String beforeMigration) {
        if (beforeMigration != null && backup != null && !backup.isBlank()) {
            throw new PgnestException(ErrorKind.USAGE, "--backup and --before-migration both given",
                    "use one: --before-migration picks the backup itself");
        }
        if (beforeMigration != null) {
            return new BeforeMigration(beforeMigration);
        }
        if (backup == null || backup.isBlank() || backup.strip().equalsIgnoreCase("latest")) {
            return new Latest();
        }
        return new ById(backup.strip());
    }
}
