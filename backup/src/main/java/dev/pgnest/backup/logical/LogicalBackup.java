package dev.pgnest.backup.logical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.Databases.ServerInfo;
import dev.pgnest.postgres.ExportedSnapshot;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.PreparingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryFormat;
import dev.pgnest.repository.ToolVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgnest backup logical}: pg_dump (custom format, uncompressed) → compression → SHA-256
 * → streamed (multipart) upload, with no temporary file. pg_dump runs in its own process, the
 * compressor on its own thread(s) and uploads on the storage's pool, so the stages overlap and
 * a backup takes about as long as pg_dump alone; memory stays bounded by the storage's parts
 * in flight. The repository side (storage client, format check, leftovers of dead backups,
 * in-progress marker) is prepared on another thread while pg_dump already starts.
 *
 * <p>The schema version is read in the very snapshot pg_dump dumps ({@code pg_export_snapshot}
 * + {@code pg_dump --snapshot}), so the manifest's version is exactly the dump's. psql exports
 * that snapshot ({@link ExportedSnapshot}) and pg_dump starts at once, while the JDBC
 * connection that reads the facts (server, size, schema version) in the same snapshot is still
 * being made; without psql, that connection exports the snapshot before pg_dump starts. The
 * password reaches pg_dump and psql through their environment (PGPASSWORD), never arguments.
 */
public final class LogicalBackup {
    /**
     * The schema of {@code pgnest serve}'s job store (Quartz tables, job history), which a logical
     * backup leaves out: declared here because the backup must not depend on the service.
     */
    public static final String SERVICE_SCHEMA = "pgnest_serve";

    private static final Logger LOG = LoggerFactory.getLogger(LogicalBackup.class);
    /** The dump's object name inside the backup (plus the compression's extension). */
    public static final String DUMP_OBJECT = "dump.pgdump";
    private static final int BUFFER = 1 << 20;
    private static final long PROGRESS_EVERY_NANOS = 500_000_000L;
    /**
     * Compressed bytes held in memory while the repository side is still being prepared: about
     * the first second of a dump's output on a 2-core machine (zstd of pg_dump's ~150 MB/s),
     * so pg_dump rarely waits, at a memory cost that stays well inside the command's budget.
     */
    private static final long HOLD_LIMIT = 32L << 20;
    /**
     * pg_dump writes its archive to a pipe through stdio, in 4 KiB writes: about 200,000 writes
     * and as many reads on our side for a 800 MB dump, where the syscalls cost more CPU than
     * hashing the result (bench/RESULTS.md). coreutils' stdbuf gives pg_dump's stdout a 1 MiB
     * buffer instead; without stdbuf pg_dump runs as is.
     */
    private static final Optional<Path> STDBUF = java.util.stream.Stream.of("/usr/bin/stdbuf", "/bin/stdbuf")
            .map(Path::of).filter(java.nio.file.Files::isExecutable).findFirst();
    private static final String PG_DUMP_BUFFER = "1M";

    private LogicalBackup() {
    }

    /** Takes a backup of {@code db} into {@code repository}; returns its committed manifest. */
    public static BackupManifest run(Repository repository, DatabaseConnection db, LogicalBackupOptions options,
                                     BackupProgress progress) {
        return run(() -> repository, db, options, progress);
    }

    /**
     * Takes a backup of {@code db}; the repository is opened ({@code repository.get()}), cleaned
     * of dead backups' leftovers and the backup begun on a background thread while pg_dump
     * already runs (see {@link PreparingBackup}). When both sides fail, the repository's error
     * is the one thrown, as if it had been opened first.
     */
    public static BackupManifest run(Supplier<Repository> repository, DatabaseConnection db,
                                     LogicalBackupOptions options, BackupProgress progress) {
        try (PreparingBackup backup = PreparingBackup.start(repository, options.target(), BackupKind.LOGICAL,
                HOLD_LIMIT)) {
            try {
                return run(backup, db, options, progress);
            } catch (RuntimeException e) {
                throw backup.firstError(e);
            }
        }
    }

    private static BackupManifest run(PreparingBackup backup, DatabaseConnection db, LogicalBackupOptions options,
                                      BackupProgress progress) {
        Path pgDump = PgBinaries.find(options.pgBinDir(), "pg_dump");
        // pg_dump --version (a process start) runs while the snapshot is exported or the
        // connection made: both come before pg_dump can start, and a backup's fixed cost is
        // mostly such waits
        CompletableFuture<String> version = CompletableFuture.supplyAsync(() -> PgBinaries.version(pgDump));
        Optional<ExportedSnapshot> exported = psql(options.pgBinDir())
                .flatMap(psql -> ExportedSnapshot.export(psql, environment(db, "pgnest backup (snapshot)")));
        if (exported.isPresent()) {
            try (ExportedSnapshot snapshot = exported.get()) {
                String pgDumpVersion = join(version);
                requireNotOlder(pgDump, pgDumpVersion, snapshot.serverVersionNum(), snapshot.serverVersion());
                // the facts are read over JDBC in the same snapshot while pg_dump already dumps
                return dump(backup, db, options, progress, pgDump, pgDumpVersion, Optional.of(snapshot.id()),
                        () -> CompletableFuture.supplyAsync(() -> factsIn(db, snapshot, options)));
            }
        }
        return runConnectedFirst(backup, db, options, progress, pgDump, version);
    }

    /**
     * The way without psql (or where it could not export a snapshot): a JDBC connection exports
     * the snapshot and reads the facts before pg_dump starts.
     */
    private static BackupManifest runConnectedFirst(PreparingBackup backup, DatabaseConnection db,
                                                    LogicalBackupOptions options, BackupProgress progress, Path pgDump,
                                                    CompletableFuture<String> version) {
        Connection connection;
        try {
            connection = Databases.connect(db, "pgnest backup");
        } catch (RuntimeException e) {
            join(version); // a broken pg_dump is named first, as when it was asked first
            throw e;
        }
        String pgDumpVersion = join(version);

        try (Connection c = connection) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            Optional<String> snapshot = exportSnapshot(c);
            Facts facts = readFacts(c, options);
            requireNotOlder(pgDump, pgDumpVersion, facts.server().versionNum(), facts.server().version());
            try {
                return dump(backup, db, options, progress, pgDump, pgDumpVersion, snapshot,
                        () -> CompletableFuture.completedFuture(facts));
            } finally {
                rollbackQuietly(c);
            }
        } catch (SQLException e) {
            throw cannotRead(db, e);
        }
    }

    /** What the manifest records of the server and the schema, read in the dump's snapshot. */
    private record Facts(ServerInfo server, String schemaVersion) {
    }

    private static Facts factsIn(DatabaseConnection db, ExportedSnapshot snapshot, LogicalBackupOptions options) {
        try (Connection c = Databases.connect(db, "pgnest backup")) {
            try {
                snapshot.importInto(c);
                return readFacts(c, options);
            } finally {
                rollbackQuietly(c);
            }
        } catch (SQLException e) {
            throw cannotRead(db, e);
        }
    }

    private static Facts readFacts(Connection c, LogicalBackupOptions options) throws SQLException {
        return new Facts(Databases.serverInfo(c), Databases.schemaVersion(c, options.flywayTable()).orElse(null));
    }

    private static PgnestException cannotRead(DatabaseConnection db, SQLException e) {
        return new PgnestException(ErrorKind.DATABASE, "cannot read backup facts from " + db + ": " + e.getMessage(),
                "check that the user may connect and read the database");
    }

    /** psql beside pg_dump, when there is one. */
    private static Optional<Path> psql(Path binDir) {
        PgBinaries binaries = PgBinaries.in(binDir);
        return binaries.has("psql") ? Optional.of(binaries.program("psql")) : Optional.empty();
    }

    /** The libpq environment of pg_dump and psql: the password travels here, never in arguments. */
    private static Map<String, String> environment(DatabaseConnection db, String applicationName) {
        Map<String, String> env = new LinkedHashMap<>(db.libpqEnvironment());
        env.put("PGAPPNAME", applicationName);
        return env;
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** pg_dump refuses a newer server only after connecting; say it first, with the fix. */
    private static void requireNotOlder(Path pgDump, String pgDumpVersion, int serverVersionNum, String serverVersion) {
        int dumpMajor = PgBinaries.majorVersionNum(pgDumpVersion);
        int serverMajor = serverVersionNum >= 100000 ? serverVersionNum / 10000 * 10000 : serverVersionNum / 100 * 100;
        if (dumpMajor > 0 && dumpMajor < serverMajor) {
            String major = serverMajor >= 100000 ? Integer.toString(serverMajor / 10000)
                    : serverMajor / 10000 + "." + serverMajor / 100 % 100;
            throw new PgnestException(ErrorKind.CONFIG, pgDump + " (" + pgDumpVersion.replaceFirst("^pg_dump \\(PostgreSQL\\) ", "")
                    + ") is older than the server (PostgreSQL " + serverVersion + ") and cannot dump it",
                    "install the PostgreSQL " + major + " client (e.g. apt-get install postgresql-client-" + major
                            + ") and set pg.bin-dir (PGNEST_PG_BIN_DIR) to its bin directory");
        }
    }

    /**
     * Runs pg_dump into the backup. {@code readFacts} is called once pg_dump has started (the
     * facts may be read alongside the dump); a failure to read them stops the dump.
     */
    private static BackupManifest dump(PreparingBackup backup, DatabaseConnection db, LogicalBackupOptions options,
                                       BackupProgress progress, Path pgDump, String pgDumpVersion,
                                       Optional<String> snapshot, Supplier<CompletableFuture<Facts>> readFacts) {
        List<String> command = new ArrayList<>();
        STDBUF.ifPresent(stdbuf -> command.addAll(List.of(stdbuf.toString(), "--output=" + PG_DUMP_BUFFER)));
        command.addAll(List.of(pgDump.toString(), "--format=custom", "--compress=0",
                "--no-password",
                // pgnest serve's own scheduler state (Quartz job store) is not the application's
                // data, and restoring it elsewhere would resurrect stale schedules.
                "--exclude-schema=" + SERVICE_SCHEMA));
        snapshot.ifPresent(s -> command.add("--snapshot=" + s));
        Map<String, String> env = environment(db, "pgnest backup (pg_dump)");

        ChildProcess.Running process;
        try {
            process = ChildProcess.start(command, env, null, ChildProcess.Stdin.NULL, ChildProcess.Stdout.PIPE, 16 * 1024);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot start " + pgDump + ": " + e.getMessage(),
                    "check the PostgreSQL client installation, or set pg.bin-dir");
        }
        LOG.debug("pg_dump started (pid {})", process.pid());
        CompletableFuture<Facts> facts = readFacts.get();
        BackupObject object;
        Facts known;
        try (process;
             BackupObjectOutput out = backup.newObject(DUMP_OBJECT, options.compression(),
                options.compressionLevel(), options.compression() == dev.pgnest.repository.Compression.ZSTD
                        ? options.compressionWorkers() : 0);
             InputStream in = process.stdout()) {
            pump(in, out, progress, facts);
            int exit = waitFor(process);
            if (exit != 0) {
                throw new PgnestException(ErrorKind.TOOL, process.failure("pg_dump of " + db, exit),
                        "fix what pg_dump reports and retry; nothing was stored");
            }
            known = join(facts); // before the object is finished: a backup without its facts is not stored
            object = out.finish();
        } catch (IOException e) {
            // closing the handle (above) killed pg_dump
            throw new PgnestException(ErrorKind.TOOL, "reading pg_dump's output failed: " + e.getMessage()
                    + stderrSuffix(process), "retry; nothing was stored");
        }
        String warnings = process.stderr();
        if (!warnings.isBlank()) {
            LOG.warn("pg_dump: {}", oneLine(warnings));
        }
        ServerInfo server = known.server();
        PendingBackup begun = backup.await();
        LOG.info("dumped {} into backup {}", db, begun.id());
        BackupManifest manifest = new BackupManifest(RepositoryFormat.CURRENT, begun.id(), BackupKind.LOGICAL,
                options.target(), begun.startTime(), Instant.now(), ToolVersion.current(),
                new BackupManifest.PostgresInfo(server.version(), server.versionNum(), server.systemIdentifier()),
                known.schemaVersion(), options.tags(), options.precedesMigrations(), options.compression(), "none",
                List.of(object),
                new BackupManifest.LogicalInfo(server.database(), "custom", pgDumpVersion, server.databaseSize()),
                null);
        return backup.commit(manifest);
    }

    private static void pump(InputStream in, BackupObjectOutput out, BackupProgress progress,
                             CompletableFuture<Facts> facts) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long start = System.nanoTime();
        long next = start + PROGRESS_EVERY_NANOS;
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
            long now = System.nanoTime();
            if (now >= next) {
                if (facts.isCompletedExceptionally()) {
                    join(facts); // throws: the dump stops, pg_dump is killed
                }
                progress.update(out.rawSize(), out.storedSize(), Duration.ofNanos(now - start), databaseSize(facts));
                next = now + PROGRESS_EVERY_NANOS;
            }
        }
        progress.update(out.rawSize(), out.storedSize(), Duration.ofNanos(System.nanoTime() - start), databaseSize(facts));
    }

    /** The database's size for the progress's estimate, -1 while it is not known yet. */
    private static long databaseSize(CompletableFuture<Facts> facts) {
        Facts known = facts.isDone() && !facts.isCompletedExceptionally() ? facts.join() : null;
        return known == null ? -1 : known.server().databaseSize();
    }

    /**
     * Exports the transaction's snapshot for pg_dump. Where that is impossible (a standby
     * before PostgreSQL 10, a pooler), pg_dump takes its own and the schema version is read
     * a moment earlier.
     */
    private static Optional<String> exportSnapshot(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_export_snapshot()")) {
            rs.next();
            return Optional.of(rs.getString(1));
        } catch (SQLException e) {
            LOG.debug("pg_export_snapshot failed, pg_dump takes its own snapshot: {}", e.getMessage());
            rollbackQuietly(c);
            return Optional.empty();
        }
    }

    private static int waitFor(ChildProcess.Running process) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while waiting for pg_dump", "nothing was stored");
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection may have been closed by the server; nothing to undo
        }
    }

    private static String stderrSuffix(ChildProcess.Running pgDump) {
        String text = pgDump.stderrLine();
        return text.isBlank() ? "" : " (pg_dump: " + text + ")";
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
