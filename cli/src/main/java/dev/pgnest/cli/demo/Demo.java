package dev.pgnest.cli.demo;

import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.postgres.Databases;
import dev.pgnest.postgres.server.LocalCluster;
import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.restore.pitr.PitrRestore;
import dev.pgnest.restore.pitr.PointInTimeRecovery;
import dev.pgnest.restore.pitr.RecoveryAction;
import dev.pgnest.restore.pitr.RecoveryTarget;
import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.restore.plan.BackupSelector;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.LocalS3Server;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.DeployReport;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.PreMigrationHook;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.seed.BabyNest;
import dev.pgnest.seed.SeedReport;
import dev.pgnest.seed.Seeder;
import dev.pgnest.seed.TableChecksums;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo: everything pgnest does, on this machine, with nothing to install or configure. An
 * ephemeral PostgreSQL cluster (the postgres module's {@link LocalCluster}) and an S3-compatible
 * store (S3Proxy on files under the demo directory, from the separate pgnest-demo jar, see
 * {@link DemoStore}); the BabyNest schema and data; backups; an
 * accident; the restore; the proof.
 *
 * <p>Each step says whether it ran for real or is not in this build yet: pieces are wired in as
 * they land (physical backup and WAL archiving, point-in-time restore).
 */
final class Demo {
    static final String DATABASE = "babynest";
    static final String BUCKET = "pgnest-demo";
    static final String TARGET = "babynest";
    /** The table the accident empties: the biggest one. */
    static final String VICTIM = "feeding_logs";
    /** Its key in {@link TableChecksums}. */
    static final String VICTIM_KEY = "public." + VICTIM;

    /** One line of the report. */
    record Step(String name, Status status, String detail, Duration took) {
    }

    enum Status { DONE, FAILED }

    /** What the demo did and whether the data came back. */
    record Report(List<Step> steps, boolean verified, Duration took) {
    }

    private final Path dir;
    private final double scale;
    private final PrintWriter out;
    private final List<Step> steps = new ArrayList<>();

    Demo(Path dir, double scale, PrintWriter out) {
        this.dir = dir.toAbsolutePath().normalize();
        this.scale = scale;
        this.out = out;
    }

    Report run() {
        long t0 = System.nanoTime();
        Path s3Dir = dir.resolve("s3");
        wipe(s3Dir);
        boolean verified = false;
        try (LocalS3Server s3 = step("S3-compatible store", () -> {
                 LocalS3Server server = DemoStore.onDirectory(s3Dir);
                 server.createBucket(BUCKET);
                 demoS3 = server;
                 return new Result<>(server, "S3Proxy on " + server.endpoint() + ", objects under " + relative(s3Dir));
             });
             Storage storage = storage(s3).open(); Storage walStorage = storage(s3).open()) {
            Repository repository = step("backup repository", () -> {
                Repository.init(storage);
                return new Result<>(Repository.open(storage), storage.location("").replaceFirst("/$", ""));
            });
            WalArchive archive = new WalArchive(walStorage, TARGET, Compression.ZSTD, Compression.ZSTD.defaultLevel());
            Path spool = dir.resolve("spool");
            Path archiveCommand = writeArchiveCommand(spool);
            try (WalPushService push = step("WAL push endpoint", () -> {
                     WalPushService service = WalPushService.start(archive, WalSpool.at(spool), 0, 2);
                     return new Result<>(service, "127.0.0.1:" + service.port() + ", the fast path of archive_command");
                 });
                 LocalCluster pg = step("PostgreSQL cluster", () -> {
                     LocalCluster cluster = startCluster(archiveCommand);
                     return new Result<>(cluster, "PostgreSQL " + queryForString(cluster, "SHOW server_version")
                             + " on " + LocalCluster.HOST + ":" + cluster.port() + " (ephemeral), archive_command = pgnest wal push");
                 })) {
                verified = scenario(pg, repository, archive, push);
            }
        } catch (DemoFailure e) {
            // reported as a FAILED step already
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        out.printf(Locale.ROOT, "%ndemo took %.1fs. %s%n", took.toMillis() / 1000.0, verified
                ? "The data is back, proven by checksums."
                : "The data was NOT proven back: see the failed step above.");
        out.flush();
        return new Report(List.copyOf(steps), verified, took);
    }

    private boolean scenario(LocalCluster pg, Repository repository, WalArchive archive, WalPushService push) {
        try {
            queryForString(pg, "CREATE DATABASE " + DATABASE);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create database " + DATABASE + ": " + e.getMessage(), e);
        }
        DatabaseConnection db = pg.connection(DATABASE);
        Migrations migrations = new Migrations(new MigrationSettings(
                new DatabaseTarget(TARGET, db.jdbcUrl(), db.user(), db.password(), Environment.STANDARD),
                List.of(BabyNest.MIGRATIONS_LOCATION), null, null));

        step("BabyNest migrations", () -> {
            DeployReport r = migrations.deploy(new DeployOptions(false, false, PreMigrationHook.NONE));
            return new Result<>(r, r.applied().size() + " applied, schema at version " + r.versionAfter());
        });
        Map<String, TableChecksums.TableChecksum> original = step("seed data", () -> {
            try (Connection c = migrations.connect()) {
                SeedReport r = new Seeder(scale).load(c);
                return new Result<>(TableChecksums.computeData(c), String.format(Locale.ROOT, "%,d rows in %d tables (scale %s)",
                        r.totalRows(), r.tables().size(), scale));
            }
        });
        step("logical backup", () -> {
            BackupManifest m = LogicalBackup.run(repository, db, LogicalBackupOptions.defaults(TARGET)
                    .withPgBinDir(pg.binaries().directory().orElse(null)), (dumped, stored, elapsed, size) -> { });
            return new Result<>(m, "backup " + m.id() + ", " + size(m.storedSize()) + " stored (pg_dump, zstd, SHA-256 "
                    + m.objects().get(0).sha256().substring(0, 12) + "…)");
        });
        step("physical backup", () -> {
            PhysicalBackup.Result r = new PhysicalBackup(db, repository, TARGET, archive, PhysicalBackup.Options.defaults()
                    .withDataDirectory(pg.dataDir()).withParallelism(2).withWalTimeout(Duration.ofSeconds(60))).run();
            return new Result<>(r, "base backup " + r.manifest().id() + ", " + r.files() + " files, "
                    + size(r.storedBytes()) + " stored, committed once its WAL was archived");
        });

        Instant before = step("the accident", () -> {
            try (Connection c = migrations.connect(); Statement s = c.createStatement()) {
                Instant last;
                try (ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
                    rs.next();
                    last = rs.getTimestamp(1).toInstant();
                }
                int gone = s.executeUpdate("DELETE FROM " + VICTIM);
                return new Result<>(last, String.format(Locale.ROOT, "DELETE FROM %s without a WHERE: %,d rows gone at %s",
                        VICTIM, gone, Instant.now()));
            }
        });
        step("WAL archiving", () -> {
            // close the segment holding the accident, so the archive reaches past it
            queryForString(pg, "SELECT pg_walfile_name(pg_switch_wal())");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String last = queryForString(pg, "SELECT last_archived_wal FROM pg_stat_archiver");
            String wanted = queryForString(pg, "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)");
            while ((last == null || last.compareTo(wanted) < 0) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                last = queryForString(pg, "SELECT last_archived_wal FROM pg_stat_archiver");
            }
            if (last == null || last.compareTo(wanted) < 0) {
                throw new PgnestException(ErrorKind.STORAGE, "WAL " + wanted + " was not archived within 30 s",
                        "see the PostgreSQL log: " + pg.logFile());
            }
            return new Result<>(last, push.acknowledged() + " WAL files pushed through the endpoint into the repository, last "
                    + last);
        });
        Map<String, TableChecksums.TableChecksum> restored = step("point-in-time restore", () -> {
            Path dataDir = pg.newServerDirectory("restored").resolve("data");
            LocalServer.Options server = new LocalServer.Options(pg.binaries(), pg.account(), LocalCluster.freePort(),
                    pg.newServerDirectory("restored-run"), pg.superuser(), pg.password(), null);
            PitrRestore.Request request = new PitrRestore.Request(TARGET,
                    new RecoveryTarget.Time(before.atOffset(java.time.ZoneOffset.UTC)), true, RecoveryAction.PROMOTE,
                    new BackupSelector.Latest(), null, null, null, dataDir, false, Map.of(), 2, writeRestoreCommand(s3Of(repository)),
                    server, PointInTimeRecovery.Archiving.OFF, PointInTimeRecovery.AfterRecovery.KEEP_RUNNING, Duration.ofMinutes(2));
            PitrRestore.Result r = PitrRestore.run(repository, request,
                    ReportRecorder.start(IncidentReport.Kind.pitr, TARGET, "pgnest demo"));
            try (LocalServer running = r.server().orElseThrow();
                 Connection c = Databases.open("jdbc:postgresql://127.0.0.1:" + running.port() + "/" + DATABASE,
                         pg.superuser(), pg.password(), null, Map.of())) {
                return new Result<>(TableChecksums.computeData(c), "base backup " + r.backup().id() + " + "
                        + r.outcome().walReplayed().count() + " WAL segment(s), recovered to " + before
                        + " (reached LSN " + r.outcome().reachedLsn() + ")");
            }
        });
        step("damage check", () -> {
            try (Connection c = migrations.connect()) {
                Map<String, TableChecksums.TableChecksum> now = TableChecksums.computeData(c);
                long differ = original.keySet().stream().filter(t -> !original.get(t).equals(now.get(t))).count();
                return new Result<>(differ, differ + " table(s) differ from before the accident ("
                        + VICTIM + ": " + now.get(VICTIM_KEY).rows() + " rows, was " + original.get(VICTIM_KEY).rows() + ")");
            }
        });
        return step("verification", () -> {
            List<String> differ = original.keySet().stream().filter(t -> !original.get(t).equals(restored.get(t))).toList();
            if (!differ.isEmpty() || restored.size() != original.size()) {
                throw new PgnestException(ErrorKind.INTEGRITY, "the restored database differs from before the accident in " + differ,
                        "this is a bug in pgnest: please report it with .pgnest-demo");
            }
            return new Result<>(true, "all " + original.size() + " tables equal their checksums from before the accident ("
                    + VICTIM + ": " + restored.get(VICTIM_KEY).rows() + " rows back)");
        });
    }

    /**
     * archive_command of the demo cluster: the pgnest launcher's WAL fast path (shipped in the
     * jar), talking to the demo's push endpoint; no JVM per segment.
     */
    private Path writeArchiveCommand(Path spool) {
        try {
            Files.createDirectories(dir);
            Path fastPath = dir.resolve("wal-fast-path.sh");
            try (var in = Demo.class.getResourceAsStream("/dev/pgnest/cli/sh/wal-fast-path.sh")) {
                if (in == null) {
                    throw new IllegalStateException("wal-fast-path.sh is missing from the pgnest jar");
                }
                Files.copy(in, fastPath, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path command = dir.resolve("pgnest-wal");
            Files.writeString(command, "#!/usr/bin/env bash\n"
                    + "# archive_command of `pgnest demo`: the launcher's WAL fast path to the demo's push endpoint\n"
                    + "export PGNEST_WAL_SPOOL_DIR='" + spool + "'\n"
                    + "export PGNEST_WAL_PUSH_IDLE_EXIT=0   # the demo's endpoint or nothing: no background pusher\n"
                    + ". '" + fastPath + "'\n"
                    + "echo \"pgnest demo: the WAL push endpoint did not take ${3:-?}; PostgreSQL retries\" >&2\n"
                    + "exit 1\n");
            Files.setPosixFilePermissions(command, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            return command;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo's archive_command into " + dir, e);
        }
    }

    private LocalS3Server demoS3;

    private LocalS3Server s3Of(Repository repository) {
        return demoS3;
    }

    /** restore_command's fallback (the restore reads ahead itself): pgnest wal fetch against the demo's store. */
    private String writeRestoreCommand(LocalS3Server s3) throws IOException {
        Path command = dir.resolve("pgnest-wal-fetch");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // throwaway credentials of the demo's own S3Proxy; the file is private to this user;
        // native access for zstd-jni, which Java 24+ otherwise warns about on stderr (JEP 472)
        Files.writeString(command, "#!/usr/bin/env bash\n"
                + "export PGNEST_S3_BUCKET='" + BUCKET + "' PGNEST_S3_PREFIX=pgnest PGNEST_S3_ENDPOINT='" + s3.endpoint() + "'\n"
                + "export PGNEST_S3_ACCESS_KEY_ID='" + s3.accessKeyId() + "' PGNEST_S3_SECRET_ACCESS_KEY='" + s3.secretAccessKey() + "'\n"
                + "export PGNEST_TARGET='" + TARGET + "'\n"
                + "exec '" + javaBin + "' -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                + "' dev.pgnest.cli.Pgnest wal fetch \"$1\" \"$2\"\n");
        Files.setPosixFilePermissions(command, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return command.toString() + " %f %p";
    }

    /**
     * The demo's PostgreSQL: a throw-away cluster from the newest installed server programs,
     * archiving through pgnest; small and quick, fsync on.
     */
    private static LocalCluster startCluster(Path archiveCommand) {
        byte[] secret = new byte[18];
        new java.security.SecureRandom().nextBytes(secret);
        return LocalCluster.builder(PgBinaries.newestServer(), ServerAccount.automatic())
                .password(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret))
                .setting("max_connections", "50").setting("shared_buffers", "32MB").setting("log_line_prefix", "%m [%p] ")
                .setting("wal_level", "replica").setting("archive_mode", "on")
                .setting("archive_command", archiveCommand + " wal push %p")
                .start();
    }

    /** The first column of the first row (null when none), in the cluster's postgres database. */
    private static String queryForString(LocalCluster pg, String sql) throws java.sql.SQLException {
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return null;
            }
            try (ResultSet rs = s.getResultSet()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static S3StorageConfig storage(LocalS3Server s3) {
        return S3StorageConfig.builder(BUCKET).prefix("pgnest").endpoint(s3.endpoint()).region(s3.region())
                .pathStyle(true).credentials(s3.accessKeyId(), s3.secretAccessKey()).build();
    }

    private record Result<T>(T value, String detail) {
    }

    @FunctionalInterface
    private interface Work<T> {
        Result<T> run() throws Exception;
    }

    private static final class DemoFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DemoFailure(PgnestException cause) {
            super(cause);
        }
    }

    private <T> T step(String name, Work<T> work) {
        long t0 = System.nanoTime();
        try {
            Result<T> r = work.run();
            record(new Step(name, Status.DONE, r.detail(), Duration.ofNanos(System.nanoTime() - t0)));
            return r.value();
        } catch (Exception e) {
            String message = e instanceof PgnestException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            record(new Step(name, Status.FAILED, message, Duration.ofNanos(System.nanoTime() - t0)));
            throw new DemoFailure(new PgnestException(ErrorKind.INTERNAL, "demo step '" + name + "' failed: " + message,
                    "rerun with --debug for details", e));
        }
    }

    private void record(Step s) {
        steps.add(s);
        String mark = switch (s.status()) {
            case DONE -> "ok     ";
            case FAILED -> "FAILED ";
        };
        out.printf(Locale.ROOT, "  %s  %-22s %s%s%n", mark, s.name(), s.detail(),
                s.status() == Status.DONE ? String.format(Locale.ROOT, "  (%.1fs)", s.took().toMillis() / 1000.0) : "");
        out.flush();
    }

    /** The failure that stopped the demo, if any. */
    static PgnestException failure(Report r) {
        return r.steps().stream().filter(s -> s.status() == Status.FAILED).findFirst()
                .map(s -> new PgnestException(ErrorKind.INTERNAL, "demo step '" + s.name() + "' failed: " + s.detail(),
                        "rerun with --debug for details"))
                .orElse(null);
    }

    private Path relative(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        return p.startsWith(cwd) ? cwd.relativize(p) : p;
    }

    private static String size(long bytes) {
        return bytes < 1024 * 1024 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    /** A fresh repository each run: the demo directory holds only what the demo wrote. */
    private static void wipe(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + path, e);
        }
    }

}
