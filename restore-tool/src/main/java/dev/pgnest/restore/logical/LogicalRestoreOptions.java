package dev.pgnest.restore.logical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.plan.BackupSelector;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code pgnest restore logical} does.
 *
 * @param target              the configured target whose backups to use
 * @param backup              which backup
 * @param into                database to restore into; null: {@code <dumped database>_restored}
 * @param replace             restore over an existing database (swapped in only once the restore succeeded)
 * @param force               allow {@code replace} on a protected target
 * @param protectedTarget     the target is protected (production): replacing needs {@code force}
 * @param schemas             restore only these schemas (pg_restore -n)
 * @param tables              restore only these tables (pg_restore -t)
 * @param jobs                pg_restore parallel jobs; more than 1 needs staging
 * @param stagingDir          where the dump is staged and verified before pg_restore reads it;
 *                            null streams it instead (verified in a first pass, no disk used)
 * @param noOwner             skip ownership (pg_restore --no-owner), for restores where the roles differ
 * @param binaries            where pg_restore is
 * @param maintenanceDatabase database to connect to for CREATE/ALTER/DROP DATABASE
 */
public record LogicalRestoreOptions(String target, BackupSelector backup, String into, boolean replace, boolean force,
                                    boolean protectedTarget, List<String> schemas, List<String> tables, int jobs,
                                    Path stagingDir, boolean noOwner, PgBinaries binaries, String maintenanceDatabase) {

    /** Names pgnest passes to pg_restore and quotes in SQL; PostgreSQL's limit is 63 bytes. */
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");

    public LogicalRestoreOptions {
        RepositoryLayout.checkTarget(target);
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(binaries, "binaries");
        schemas = schemas == null ? List.of() : List.copyOf(schemas);
        tables = tables == null ? List.of() : List.copyOf(tables);
        maintenanceDatabase = maintenanceDatabase == null ? "postgres" : maintenanceDatabase;
        if (into != null) {
            checkDatabaseName(into);
        }
        if (jobs < 1 || jobs > 64) {
            throw new PgnestException(ErrorKind.USAGE, "--jobs " + jobs + " is out of range", "use 1 to 64");
        }
        if (jobs > 1 && stagingDir == null) {
            throw new PgnestException(ErrorKind.USAGE, "--jobs " + jobs + " needs the dump staged on disk",
                    "drop --no-stage (pg_restore runs in parallel only from a file), or use --jobs 1");
        }
    }

    /** Defaults: latest backup, new database, staged in the temp dir, one job. */
    public static LogicalRestoreOptions defaults(String target, PgBinaries binaries) {
        return new LogicalRestoreOptions(target, new BackupSelector.Latest(), null, false, false, false, List.of(), List.of(),
                1, Path.of(System.getProperty("java.io.tmpdir")), false, binaries, null);
    }

    public LogicalRestoreOptions withBackup(BackupSelector value) {
        return new LogicalRestoreOptions(target, value, into, replace, force, protectedTarget, schemas, tables, jobs,
                stagingDir, noOwner, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withInto(String value) {
        return new LogicalRestoreOptions(target, backup, value, replace, force, protectedTarget, schemas, tables, jobs,
                stagingDir, noOwner, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withReplace(boolean value, boolean forceValue, boolean protectedValue) {
        return new LogicalRestoreOptions(target, backup, into, value, forceValue, protectedValue, schemas, tables, jobs,
                stagingDir, noOwner, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withFilters(List<String> schemaList, List<String> tableList) {
        return new LogicalRestoreOptions(target, backup, into, replace, force, protectedTarget, schemaList, tableList, jobs,
                stagingDir, noOwner, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withStaging(Path dir, int jobCount) {
        return new LogicalRestoreOptions(target, backup, into, replace, force, protectedTarget, schemas, tables, jobCount,
                dir, noOwner, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withNoOwner(boolean value) {
        return new LogicalRestoreOptions(target, backup, into, replace, force, protectedTarget, schemas, tables, jobs,
                stagingDir, value, binaries, maintenanceDatabase);
    }

    public LogicalRestoreOptions withMaintenanceDatabase(String value) {
        return new LogicalRestoreOptions(target, backup, into, replace, force, protectedTarget, schemas, tables, jobs,
                stagingDir, noOwner, binaries, value);
    }

    static String checkDatabaseName(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new PgnestException(ErrorKind.USAGE, "'" + name + "' cannot be used as a database name here",
                    "use letters, digits, _ $ and - (at most 63, starting with a letter or _)");
        }
        return name;
    }

    /** pg_restore's selection arguments. */
    List<String> filterArguments() {
        List<String> args = new java.util.ArrayList<>();
        schemas.forEach(s -> args.add("--schema=" + s));
        tables.forEach(t -> args.add("--table=" + t));
        return args;
    }
}
