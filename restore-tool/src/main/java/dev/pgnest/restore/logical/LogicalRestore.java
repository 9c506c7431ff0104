package dev.pgnest.restore.logical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.Repository;
import dev.pgnest.restore.plan.BackupChoice;
import dev.pgnest.restore.plan.RestorePlan;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.restore.report.ReportRecorder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgnest restore logical}: a logical backup from the repository into a database on the
 * target's server, with pg_restore.
 *
 * <p>Why the dump is verified before pg_restore sees it: pg_restore applies what it reads as it
 * reads it, and a SHA-256 is only known once the last byte went by. Streaming straight into
 * pg_restore would therefore detect a damaged object only after the database had been written.
 * So by default the dump is downloaded, checked (size, SHA-256, zstd frame checksums) and
 * decompressed into a staging file, and pg_restore reads that file, in parallel with
 * {@code -j}. Where there is no disk for that ({@code stagingDir == null}), the object is read
 * twice: once to check it, once into pg_restore, checked again, and that restore is discarded if
 * the second read differs. Either way the restore goes into a work database that takes the
 * requested name only when complete.
 */
public final class LogicalRestore {
    private static final Logger LOG = LoggerFactory.getLogger(LogicalRestore.class);
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);
    /** Room left free on the staging file system besides the dump. */
    private static final long STAGING_MARGIN = 64L << 20;

    /**
     * What was restored.
     *
     * @param backup   the backup
     * @param database the database it is in now
     * @param replaced whether an existing database was replaced
     * @param tables   tables in the restored database
     */
    public record Result(BackupManifest backup, String database, boolean replaced, long tables) {
    }

    private LogicalRestore() {
    }

    /**
     * Restores. Everything it does is recorded in {@code report} (phases, checks), also when it
     * fails; the caller finishes and saves the report.
     *
     * @param server the target's connection; the restore goes to another database on its server
     * @throws PgnestException when the backup is damaged (before the target is touched), the
     *                         database exists without --replace, or pg_restore fails
     */
    public static Result run(Repository repository, DatabaseConnection server, LogicalRestoreOptions options,
                             ReportRecorder report) {
        BackupChoice choice = report.phase("choose backup", () -> BackupChoice.choose(repository.catalog(), options.target(),
                BackupKind.LOGICAL, options.backup()), c -> c.manifest().id() + ", " + c.reason());
        BackupManifest manifest = choice.manifest();
        choice.warnings().forEach(w -> LOG.warn("{}", w));
        String into = options.into() != null ? options.into() : defaultName(manifest);
        List<String> filters = options.filterArguments();
        report.requested(new IncidentReport.Requested("backup", manifest.id(), null, null, options.backup().describe(),
                filters.isEmpty() ? null : filters))
                .backup(choice.describe())
                .destination(new IncidentReport.Destination(null, null, into, null));

        try (DatabaseSwap databases = DatabaseSwap.open(server, options.maintenanceDatabase())) {
            boolean exists = databases.exists(into);
            refuseUnsafe(options, server, into, exists);
            DumpObject dump = new DumpObject(repository.storage(), manifest);
            BackupObject object = dump.object();
            Path staged = null;
            try {
                if (options.stagingDir() != null) {
                    staged = stagingFile(options.stagingDir(), object);
                    Path file = staged;
                    report.phase("download and verify", () -> dump.stageTo(file));
                } else {
                    report.phase("verify", dump::verify);
                }
                report.check("SHA-256 of " + object.name(), true, object.sha256(), object.sha256());
                String work = DatabaseSwap.workName(into);
                String owner = exists ? databases.owner(into).orElse(null) : null;
                report.phase("create database", () -> databases.createWork(work, owner));
                try {
                    Path file = staged;
                    report.phase("pg_restore", () -> pgRestore(server.withDatabase(work), options, dump, file));
                } catch (RuntimeException e) {
                    databases.dropIfExists(work);
                    throw e;
                }
                report.phase(exists ? "replace " + into : "rename to " + into, () -> databases.swapIn(work, into));
            } finally {
                if (staged != null) {
                    Files.deleteIfExists(staged);
                }
            }
            long tables = DatabaseSwap.countTables(server.withDatabase(into));
            report.check("tables in " + into, tables > 0, null, Long.toString(tables));
            report.reached(new IncidentReport.Reached(null, manifest.endTime(), null, exists ? "replaced" : "restored", null));
            LOG.info("restored backup {} into database {} ({} tables)", manifest.id(), into, tables);
            return new Result(manifest, into, exists, tables);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot remove the staged dump: " + e.getMessage(),
                    "delete it from restore.staging-dir by hand", e);
        }
    }

    /** What {@link #run} would do, changing nothing (it connects to look at the destination). */
    public static RestorePlan plan(Repository repository, DatabaseConnection server, LogicalRestoreOptions options) {
        BackupChoice choice = BackupChoice.choose(repository.catalog(), options.target(), BackupKind.LOGICAL, options.backup());
        BackupManifest manifest = choice.manifest();
        String into = options.into() != null ? options.into() : defaultName(manifest);
        List<String> warnings = new ArrayList<>(choice.warnings());
        boolean exists = false;
        try (DatabaseSwap databases = DatabaseSwap.open(server, options.maintenanceDatabase())) {
            exists = databases.exists(into);
            refuseUnsafe(options, server, into, exists);
        } catch (PgnestException e) {
            warnings.add("the restore would stop: " + e.getMessage());
        }
        DumpObject dump = new DumpObject(repository.storage(), manifest);
        BackupObject object = dump.object();
        List<String> steps = new ArrayList<>();
        steps.add(options.stagingDir() != null
                ? "download " + object.name() + " (" + ReportFormat.bytes(object.size()) + ") from " + dump.location()
                        + ", check its SHA-256 and decompress it into " + options.stagingDir() + " ("
                        + ReportFormat.bytes(object.rawSize()) + ")"
                : "read " + object.name() + " (" + ReportFormat.bytes(object.size()) + ") from " + dump.location()
                        + " to check its SHA-256, then read it again into pg_restore");
        steps.add("create database " + DatabaseSwap.workName(into) + " on " + server.host() + ":" + server.port());
        steps.add("pg_restore" + (options.jobs() > 1 ? " -j " + options.jobs() : "")
                + (options.filterArguments().isEmpty() ? "" : " " + String.join(" ", options.filterArguments()))
                + " into it");
        steps.add(exists ? "replace database " + into + " with it (the old one is dropped only then)"
                : "rename it to " + into);
        return new RestorePlan(IncidentReport.Kind.logical, options.target(),
                new IncidentReport.Requested("backup", manifest.id(), null, null, options.backup().describe(),
                        options.filterArguments().isEmpty() ? null : options.filterArguments()),
                choice.describe(), 1, object.size(), object.rawSize(), null, null,
                "database " + into + (exists ? " (exists: replaced)" : " (new)"), steps, warnings);
    }

    /** Drops a database pgnest created (a drill's scratch database). */
    public static void dropDatabase(DatabaseConnection server, String database) {
        LogicalRestoreOptions.checkDatabaseName(database);
        try (DatabaseSwap databases = DatabaseSwap.open(server, "postgres")) {
            databases.dropIfExists(database);
        }
    }

    /** {@code <dumped database>_<backup time>}: new, and says where it came from. */
    static String defaultName(BackupManifest manifest) {
        String source = manifest.logical() != null && manifest.logical().database() != null
                ? manifest.logical().database() : manifest.target();
        String suffix = "_" + NAME_TIME.format(manifest.startTime() != null ? manifest.startTime()
                : dev.pgnest.repository.BackupId.time(manifest.id()));
        String base = source.replaceAll("[^A-Za-z0-9_$-]", "_");
        if (!Character.isLetter(base.charAt(0)) && base.charAt(0) != '_') {
            base = "_" + base;
        }
        return LogicalRestoreOptions.checkDatabaseName(
                (base.length() + suffix.length() > 63 ? base.substring(0, 63 - suffix.length()) : base) + suffix);
    }

    private static void refuseUnsafe(LogicalRestoreOptions options, DatabaseConnection server, String into, boolean exists) {
        if (!exists) {
            return;
        }
        String where = "database " + into + " exists on " + server.host() + ":" + server.port();
        if (!options.replace()) {
            throw new PgnestException(ErrorKind.USAGE, where,
                    "add --replace to restore over it (it is kept until the restore succeeded), or choose another --into");
        }
        if (options.protectedTarget() && !options.force()) {
            throw new PgnestException(ErrorKind.USAGE, where + " and target '" + options.target()
                    + "' is protected: replacing it needs --force",
                    "restore into a new database (--into NAME) and compare first, or add --force if you mean it");
        }
    }

    private static Path stagingFile(Path dir, BackupObject object) {
        try {
            Files.createDirectories(dir);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < object.rawSize() + STAGING_MARGIN) {
                throw new PgnestException(ErrorKind.USAGE, "the dump needs " + ReportFormat.bytes(object.rawSize())
                        + " of staging space, " + dir + " has " + ReportFormat.bytes(free) + " free",
                        "set restore.staging-dir to a larger file system, or restore with --no-stage");
            }
            return Files.createTempFile(dir, "pgnest-restore-", ".pgdump");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot stage the dump in " + dir + ": " + e.getMessage(),
                    "set restore.staging-dir to a writable directory, or restore with --no-stage", e);
        }
    }

    private static void pgRestore(DatabaseConnection db, LogicalRestoreOptions options, DumpObject dump, Path staged) {
        List<String> command = new ArrayList<>(List.of(options.binaries().program("pg_restore").toString(),
                "--dbname=" + db.database(), "--exit-on-error", "--no-password"));
        if (options.jobs() > 1) {
            command.add("--jobs=" + options.jobs());
        }
        if (options.noOwner()) {
            command.add("--no-owner");
        }
        command.addAll(options.filterArguments());
        if (staged != null) {
            command.add(staged.toString());
        }
        Map<String, String> env = new LinkedHashMap<>(db.libpqEnvironment());
        env.put("PGAPPNAME", "pgnest restore (pg_restore)");
        LOG.info("pg_restore into {}{}", db.database(), options.jobs() > 1 ? " with " + options.jobs() + " jobs" : "");
        ChildProcess.Running process;
        try {
            process = ChildProcess.start(command, env, null, staged == null ? ChildProcess.Stdin.PIPE : ChildProcess.Stdin.NULL,
                    ChildProcess.Stdout.DISCARD, 16 * 1024);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot start pg_restore: " + e.getMessage(),
                    "install the PostgreSQL client programs, or set pg.bin-dir");
        }
        try (process) {
            if (staged == null) {
                try (OutputStream stdin = process.stdin()) {
                    dump.copyVerified(stdin);
                } catch (DumpObject.SinkException e) {
                    // pg_restore stopped reading: its exit status and stderr say why
                } catch (IOException e) {
                    // closing stdin of a pg_restore that already exited
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw new PgnestException(ErrorKind.TOOL, process.failure("pg_restore into " + db.database(), exit),
                        "fix what pg_restore reports (missing roles: --no-owner; extensions: install them) and restore again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted during pg_restore", "restore again");
        }
    }
}
