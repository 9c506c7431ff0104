package dev.pgnest.backup.physical;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.postgres.ServerFacts;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryFormat;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.ToolVersion;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a physical base backup of a target into the repository.
 *
 * <p>When the data directory is on this host ({@link Method#FILES}), files are read in
 * parallel between {@code pg_backup_start} and {@code pg_backup_stop}: small files go into
 * bundles (one compressed object holding many files back to back, as pgBackRest's bundling
 * does: one request instead of hundreds), larger ones into an object each, every file with its
 * own SHA-256. Otherwise ({@link Method#PG_BASEBACKUP}) {@code pg_basebackup}'s tar stream is
 * split into the same objects, so a restore reads both kinds alike.
 *
 * <p>The backup is committed (its manifest written) only once the WAL from its start to its
 * stop segment is in the archive: a backup without that WAL cannot be restored.
 */
public final class PhysicalBackup {
    private static final Logger LOG = LoggerFactory.getLogger(PhysicalBackup.class);

    /** How the files are read. */
    public enum Method {
        /** Files when the server's data directory is readable here, else pg_basebackup. */
        AUTO,
        /** Read the local data directory in parallel. */
        FILES,
        /** Stream pg_basebackup's tar output (the server may be remote). */
        PG_BASEBACKUP
    }

    /**
     * @param method          how to read the files
     * @param dataDirectory   the server's data directory as seen from here; null: the server's
     *                        own data_directory setting
     * @param parallelism     files read and compressed at once
     * @param compression     compression of the objects
     * @param level           compression level
     * @param fastCheckpoint  start with an immediate checkpoint instead of a spread one
     * @param walTimeout      how long to wait for the stop segment to reach the archive
     * @param bundleFileLimit files up to this size go into bundles
     * @param bundleSize      raw bytes per bundle
     * @param binaries        where pg_basebackup is
     */
    public record Options(Method method, Path dataDirectory, int parallelism, Compression compression, int level,
                          boolean fastCheckpoint, Duration walTimeout, long bundleFileLimit, long bundleSize,
                          PgBinaries binaries) {
        public Options {
            parallelism = Math.max(1, parallelism);
            method = method == null ? Method.AUTO : method;
        }

        public static Options defaults() {
            return new Options(Method.AUTO, null, Math.max(1, Runtime.getRuntime().availableProcessors()),
                    Compression.ZSTD, Compression.ZSTD.defaultLevel(), true, Duration.ofSeconds(60), 2L << 20, 32L << 20,
                    PgBinaries.in(null));
        }

        public Options withMethod(Method m) {
            return new Options(m, dataDirectory, parallelism, compression, level, fastCheckpoint, walTimeout,
                    bundleFileLimit, bundleSize, binaries);
        }

        public Options withDataDirectory(Path dir) {
            return new Options(method, dir, parallelism, compression, level, fastCheckpoint, walTimeout,
                    bundleFileLimit, bundleSize, binaries);
        }

        public Options withParallelism(int n) {
            return new Options(method, dataDirectory, n, compression, level, fastCheckpoint, walTimeout,
                    bundleFileLimit, bundleSize, binaries);
        }

        public Options withCompression(Compression c, int lvl) {
            return new Options(method, dataDirectory, parallelism, c, lvl, fastCheckpoint, walTimeout,
                    bundleFileLimit, bundleSize, binaries);
        }

        public Options withBinaries(PgBinaries b) {
            return new Options(method, dataDirectory, parallelism, compression, level, fastCheckpoint, walTimeout,
                    bundleFileLimit, bundleSize, b);
        }

        public Options withWalTimeout(Duration d) {
            return new Options(method, dataDirectory, parallelism, compression, level, fastCheckpoint, d,
                    bundleFileLimit, bundleSize, binaries);
        }
    }

    /** What was backed up. */
    public record Result(BackupManifest manifest, Method method, int files, long rawBytes, long storedBytes,
                         Duration duration) {
    }

    private final DatabaseConnection db;
    private final Repository repository;
    private final String target;
    private final WalArchive archive;
    private final Options options;
    private final BackupType type;
    private DatabaseConnection primary;

    public PhysicalBackup(DatabaseConnection db, Repository repository, String target, WalArchive archive, Options options) {
        this(db, repository, target, archive, options, BackupType.FULL);
    }

    /** @param type full, or diff/incr: only what changed since the backup it then depends on */
    public PhysicalBackup(DatabaseConnection db, Repository repository, String target, WalArchive archive, Options options,
                          BackupType type) {
        this.db = db;
        this.repository = repository;
        this.target = target;
        this.archive = archive;
        this.options = options;
        this.type = type == null ? BackupType.FULL : type;
    }

    /**
     * A backup taken on a standby (the {@code db} of the constructor): the backup API runs there
     * and its files are read there, and once it stops the {@code primary} is asked to switch WAL,
     * so that the primary archives the segment the backup ends in (a standby can neither switch
     * WAL nor archive it). Without this the backup waits for the primary's archive_timeout.
     */
    public PhysicalBackup onStandbyOf(DatabaseConnection primary) {
        this.primary = primary;
        return this;
    }

    public Result run() {
        Instant began = Instant.now();
        Method method = options.method();
        Path dataDir = null;
        if (method != Method.PG_BASEBACKUP) {
            dataDir = localDataDirectory(method == Method.FILES);
            method = dataDir == null ? Method.PG_BASEBACKUP : Method.FILES;
        }
        if (method == Method.PG_BASEBACKUP && type != BackupType.FULL) {
            throw new PgnestException(ErrorKind.USAGE, "a " + type.id() + " backup reads the data directory, which "
                    + (options.method() == Method.PG_BASEBACKUP ? "method pg_basebackup does not" : "is not readable here"),
                    "run pgnest on the database host with method files (or auto), or take a full backup");
        }
        Result r = method == Method.FILES ? fromFiles(dataDir, began) : fromPgBasebackup(began);
        LOG.info("physical backup {} of {}: {} files, {} MB read, {} MB stored, in {} s ({})", r.manifest().id(), target,
                r.files(), r.rawBytes() >> 20, r.storedBytes() >> 20, r.duration().toMillis() / 1000.0, r.method());
        return r;
    }

    // ------------------------------------------------------------------------------ files

    private Result fromFiles(Path dataDir, Instant began) {
        ResumableBackup resumable = ResumableBackup.begin(repository, target, type);
        try (PendingBackup pending = resumable.pending();
             BackupSession session = BackupSession.start(db, "pgnest " + pending.id(), options.fastCheckpoint())) {
            BackupSession.BackupStart start = session.startPoint();
            checkSameCluster(dataDir, start.systemIdentifier());
            DataDirectory.Scan scan = DataDirectory.scan(dataDir);
            FileCopy.Reference reference = IncrementalBackups.reference(repository, target, type, session.connection(), start);
            FileCopy copy = new FileCopy(pending, options.compression(), options.level(), reference, resumable);
            List<PhysicalFiles.FileEntry> entries = Collections.synchronizedList(new ArrayList<>());
            copyInParallel(copy, scan.files(), entries);
            // pg_control last: it must not predate anything else copied (as pg_basebackup and pgBackRest do)
            if (scan.controlFile() != null) {
                writeObject(copy, "control", List.of(scan.controlFile()), entries, true);
            }
            BackupSession.BackupStop stop = session.stop();
            entries.add(writeText(pending, "backup_label", stop.backupLabel()));
            if (!stop.tablespaceMap().isEmpty()) {
                entries.add(writeText(pending, "tablespace_map", stop.tablespaceMap()));
            }
            resumable.finish();
            List<PhysicalFiles.TablespaceEntry> tablespaces = scan.tablespaces().stream()
                    .map(t -> new PhysicalFiles.TablespaceEntry(t.oid(), t.location().toString())).toList();
            return finish(pending, session.connection(), Method.FILES, start.lsn(), stop.lsn(), start.timeline(),
                    start.segmentSize(), Long.toUnsignedString(start.systemIdentifier()), start.serverVersion(),
                    start.serverVersionNum(), entries, scan.directories(), tablespaces, reference, began);
        }
    }

    /** The data directory to read, or null when it is not on this host (then pg_basebackup is used). */
    private Path localDataDirectory(boolean required) {
        Path dir = options.dataDirectory();
        if (dir == null) {
            try (Connection c = BackupSession.connect(db)) {
                try (var s = c.createStatement(); var rs = s.executeQuery("SELECT setting FROM pg_settings WHERE name = 'data_directory'")) {
                    dir = rs.next() && rs.getString(1) != null ? Path.of(rs.getString(1)) : null;
                }
            } catch (SQLException e) {
                dir = null;
            }
        }
        if (dir != null && Files.isReadable(dir.resolve("global/pg_control"))) {
            return dir;
        }
        if (required) {
            throw new PgnestException(ErrorKind.CONFIG, "the data directory " + (dir == null ? "of " + db : dir)
                    + " is not readable on this host",
                    "run pgnest on the database host as the postgres OS user, set the target's data directory, "
                            + "or use method pg_basebackup");
        }
        return null;
    }

    /** The directory must belong to the server we talk to, or we would back up another cluster's files. */
    private static void checkSameCluster(Path dataDir, long systemIdentifier) {
        byte[] control;
        try (InputStream in = Files.newInputStream(dataDir.resolve("global/pg_control"))) {
            control = in.readNBytes(8);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot read " + dataDir.resolve("global/pg_control") + ": " + e.getMessage(),
                    "run pgnest as an OS user that can read the data directory (postgres)", e);
        }
        long local = control.length == 8 ? ByteBuffer.wrap(control).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        long localBig = control.length == 8 ? ByteBuffer.wrap(control).order(ByteOrder.BIG_ENDIAN).getLong() : 0;
        if (local != systemIdentifier && localBig != systemIdentifier) {
            throw new PgnestException(ErrorKind.CONFIG, "the data directory " + dataDir + " belongs to cluster "
                    + Long.toUnsignedString(local) + ", not to the server being backed up (cluster "
                    + Long.toUnsignedString(systemIdentifier) + ")",
                    "set the target's data directory to the server's data_directory");
        }
    }

    /** Small files into bundles, large ones alone; largest work first so the threads finish together. */
    private void copyInParallel(FileCopy copy, List<DataDirectory.DataFile> files,
                                List<PhysicalFiles.FileEntry> entries) {
        List<List<DataDirectory.DataFile>> tasks = new ArrayList<>();
        List<DataDirectory.DataFile> bundle = new ArrayList<>();
        long bundleBytes = 0;
        for (DataDirectory.DataFile f : files) {
            if (f.size() > options.bundleFileLimit()) {
                tasks.add(List.of(f));
                continue;
            }
            bundle.add(f);
            bundleBytes += f.size();
            if (bundleBytes >= options.bundleSize()) {
                tasks.add(bundle);
                bundle = new ArrayList<>();
                bundleBytes = 0;
            }
        }
        if (!bundle.isEmpty()) {
            tasks.add(bundle);
        }
        tasks.sort(Comparator.comparingLong((List<DataDirectory.DataFile> t) ->
                t.stream().mapToLong(DataDirectory.DataFile::size).sum()).reversed());
        AtomicInteger bundleNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.parallelism(), r -> {
            Thread t = new Thread(r, "pgnest-backup-copy");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (List<DataDirectory.DataFile> task : tasks) {
                boolean single = task.size() == 1 && task.get(0).size() > options.bundleFileLimit();
                String name = single ? "files/" + task.get(0).path() : String.format("bundles/%05d", bundleNumber.incrementAndGet());
                futures.add(pool.submit(() -> writeObject(copy, name, task, entries, false)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "physical backup interrupted", "run it again");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new PgnestException(ErrorKind.TOOL, "physical backup failed: " + e.getCause(), "see the log", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Writes {@code files} back to back into one object; files that vanished meanwhile are left out. */
    private static void writeObject(FileCopy copy, String name, List<DataDirectory.DataFile> files,
                                    List<PhysicalFiles.FileEntry> entries, boolean whole) {
        try {
            entries.addAll(copy.write(name, files, whole));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot read the data directory while backing it up: " + e.getMessage(),
                    "check that pgnest's OS user can read every file of the data directory", e);
        }
    }

    private PhysicalFiles.FileEntry writeText(PendingBackup pending, String path, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try (BackupObjectOutput out = pending.newObject(path, options.compression(), options.level())) {
            out.write(bytes);
            out.finish();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.STORAGE, "cannot store " + path + ": " + e.getMessage(), "retry", e);
        }
        return new PhysicalFiles.FileEntry(path, bytes.length, HexFormat.of().formatHex(sha256().digest(bytes)),
                path + options.compression().extension(), 0, System.currentTimeMillis());
    }

    // ------------------------------------------------------------------------------ pg_basebackup

    private Result fromPgBasebackup(Instant began) {
        try (PendingBackup pending = repository.begin(target, BackupKind.PHYSICAL);
             Connection c = BackupSession.connect(db)) {
            BasebackupStream.Outcome outcome = new BasebackupStream(db, options, pending).run("pgnest " + pending.id());
            long segmentSize = ServerFacts.walSegmentSize(c);
            String sysid = BackupSession.queryString(c, "SELECT system_identifier::text FROM pg_control_system()");
            return finish(pending, c, Method.PG_BASEBACKUP, outcome.startLsn(), outcome.stopLsn(), outcome.timeline(),
                    segmentSize, sysid, BackupSession.queryString(c, "SHOW server_version"),
                    Integer.parseInt(BackupSession.queryString(c, "SHOW server_version_num")),
                    outcome.files(), outcome.directories(), List.of(), null, began);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot query " + db + ": " + e.getMessage(), "check the server", e);
        }
    }

    // ------------------------------------------------------------------------------ commit

    private Result finish(PendingBackup pending, Connection c, Method method, Lsn startLsn, Lsn stopLsn, int timeline,
                          long segmentSize, String sysid, String serverVersion, int versionNum,
                          List<PhysicalFiles.FileEntry> entries, List<String> directories,
                          List<PhysicalFiles.TablespaceEntry> tablespaces, FileCopy.Reference reference, Instant began) {
        WalSegment startSegment = WalSegment.containing(timeline, startLsn, segmentSize);
        WalSegment stopSegment = WalSegment.endingAt(timeline, stopLsn, segmentSize);
        List<PhysicalFiles.FileEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(PhysicalFiles.FileEntry::path));
        PhysicalFiles list = new PhysicalFiles(PhysicalFiles.FORMAT, sysid, segmentSize, sorted, directories, tablespaces);
        try (BackupObjectOutput out = pending.newObject(PhysicalFiles.OBJECT_NAME, options.compression(), options.level())) {
            out.write(RepositoryJson.write(list));
            out.finish();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.STORAGE, "cannot store the file list: " + e.getMessage(), "retry", e);
        }
        String schemaVersion = schemaVersion(c);
        // last before the manifest: the archiver works on the stop segment while the above is stored
        awaitWal(startSegment, stopSegment);
        BackupManifest manifest = new BackupManifest(RepositoryFormat.CURRENT, pending.id(), BackupKind.PHYSICAL, target,
                pending.startTime(), Instant.now(), ToolVersion.current(),
                new BackupManifest.PostgresInfo(serverVersion, versionNum, sysid), schemaVersion, List.of(), List.of(),
                options.compression(), "none", pending.objects(), null,
                new BackupManifest.PhysicalInfo(timeline, startLsn.toString(), stopLsn.toString(),
                        startSegment.name(segmentSize), stopSegment.name(segmentSize),
                        method == Method.FILES ? "files" : "pg_basebackup",
                        reference == null ? BackupType.FULL.id() : type.id(), reference == null ? null : reference.id()));
        pending.commit(manifest);
        long stored = manifest.storedSize();
        return new Result(manifest, method, sorted.size(), list.totalBytes(), stored, Duration.between(began, Instant.now()));
    }

    /**
     * Waits until the archive holds every segment from the backup's start to its stop: the
     * backup is restorable only then. pg_backup_stop switched to a new segment, so the archiver
     * (or {@code wal stream}) delivers the stop segment without further writes.
     */
    private void awaitWal(WalSegment start, WalSegment stop) {
        long segmentSize = archive.info().map(i -> i.segmentSize()).orElse(WalSegment.DEFAULT_SIZE);
        if (primary != null && !archive.contains(stop.name(segmentSize))) {
            switchWalOnPrimary();
        }
        // a backup spans one timeline (a promotion during it makes pg_backup_stop fail)
        List<String> missing = new ArrayList<>();
        for (long n = start.number(); n <= stop.number(); n++) {
            missing.add(new WalSegment(stop.timeline(), n).name(segmentSize));
        }
        long deadline = System.nanoTime() + options.walTimeout().toNanos();
        long pollQuicklyUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (true) {
            missing.removeIf(archive::contains);
            if (missing.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            // the stop segment usually arrives within a second of pg_backup_stop: look often then
            // (one listing per missing segment), then back off for a slow archive_command
            sleep(Duration.ofMillis(System.nanoTime() < pollQuicklyUntil ? 50 : 250));
        }
        throw new PgnestException(ErrorKind.REPOSITORY, "the backup's WAL did not reach the archive within "
                + options.walTimeout().toSeconds() + " s: missing " + missing,
                "check archive_command (pgnest check shows why WAL does not arrive) or run pgnest wal stream; "
                        + "from a standby, set backup.physical.standby-url so that pgnest switches WAL on the primary; "
                        + "the backup was not kept");
    }

    private void switchWalOnPrimary() {
        try (Connection c = BackupSession.connect(primary)) {
            LOG.info("backup from a standby: the primary switched WAL at {} so that it archives the backup's last segment",
                    BackupSession.queryString(c, "SELECT pg_switch_wal()"));
        } catch (SQLException e) {
            LOG.warn("cannot switch WAL on the primary {} ({}); waiting for its archive_timeout", primary, e.getMessage());
        }
    }

    /** The Flyway version applied, recorded so a restore can say which schema it brings back. */
    private static String schemaVersion(Connection c) {
        try {
            return Databases.schemaVersion(c, Databases.FLYWAY_TABLE).orElse(null);
        } catch (SQLException e) {
            LOG.warn("cannot read the schema version ({}); the manifest will not name one", e.getMessage());
            return null;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while waiting for WAL", "run the backup again");
        }
    }

    static Optional<String> nonEmpty(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
