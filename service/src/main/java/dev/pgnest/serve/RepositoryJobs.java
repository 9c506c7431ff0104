package dev.pgnest.serve;

import dev.pgnest.backup.expire.BackupExpiry;
import dev.pgnest.backup.expire.ExpiryPlan;
import dev.pgnest.backup.expire.RetentionPolicy;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.backup.verify.BackupVerifier;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobResult;
import dev.pgnest.serve.status.StatusSource;
import dev.pgnest.serve.status.TargetStatus;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.wal.WalArchive;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The service's jobs over the backup module's real work: logical and physical backup, verify, expire. Each
 * run opens the repository's storage and closes it after, so one bad run cannot poison the next.
 * (Restore drills come from restore-tool, which this module cannot depend on; the CLI wires them.)
 */
public final class RepositoryJobs {
    private final StorageConfig storage;

    /** @param storage the repository's storage (every target of this service shares it) */
    public RepositoryJobs(StorageConfig storage) {
        this.storage = storage;
    }

    /**
     * A logical backup (pg_dump) of the target's database.
     *
     * @param connection how to reach each target's database
     * @param options    backup options per target (compression, pg_dump location)
     */
    public Job logicalBackup(Function<String, DatabaseConnection> connection,
                             Function<String, LogicalBackupOptions> options) {
        return ctx -> withRepository(repository -> {
            BackupManifest m = LogicalBackup.run(repository, connection.apply(ctx.target()), options.apply(ctx.target()),
                    (dumped, stored, elapsed, size) -> {
                        // pg_dump streams while it works: this is where a shutdown gets through
                        if (Thread.currentThread().isInterrupted()) {
                            throw new PgnestException(ErrorKind.INTERRUPTED, "logical backup of " + ctx.target()
                                    + " aborted: pgnest serve is shutting down", "it runs again on another replica; nothing was stored");
                        }
                    });
            return JobResult.backup(m.id(), m.storedSize(), "backup " + m.id() + ", " + m.storedSize() + " bytes stored");
        });
    }

    /**
     * A physical base backup of the target's cluster; it commits once the WAL from its start to
     * its end is in the archive, so the target's archive_command must push to this repository
     * (pgnest wal push, served fast by the {@code WalPushService} next to the service).
     *
     * @param connection how to reach each target's database
     * @param options    backup options per target (method, data directory, compression)
     * @param walArchive the target's WAL archive on the given storage
     */
    public Job physicalBackup(Function<String, DatabaseConnection> connection,
                              Function<String, PhysicalBackup.Options> options,
                              java.util.function.BiFunction<Storage, String, WalArchive> walArchive) {
        return ctx -> {
            try (Storage s = storage.open()) {
                Repository repository = Repository.open(s);
                PhysicalBackup.Result r = new PhysicalBackup(connection.apply(ctx.target()), repository, ctx.target(),
                        walArchive.apply(s, ctx.target()), options.apply(ctx.target())).run();
                BackupManifest m = r.manifest();
                return JobResult.backup(m.id(), m.storedSize(), "base backup " + m.id() + " (" + r.method().name().toLowerCase(java.util.Locale.ROOT)
                        + "), " + r.files() + " files, " + m.storedSize() + " bytes stored");
            }
        };
    }

    /**
     * Verifies, deep (pg_restore reads logical dumps), every backup never verified plus the
     * newest; fails when one does not match its manifest.
     */
    public Job verify(Path pgBinDir) {
        return ctx -> withRepository(repository -> {
            List<Catalog.Entry> backups = repository.catalog().backups(ctx.target());
            BackupVerifier verifier = new BackupVerifier(repository, pgBinDir);
            List<String> problems = new ArrayList<>();
            long bytes = 0;
            int checked = 0;
            String newest = backups.isEmpty() ? null : backups.get(backups.size() - 1).id();
            for (Catalog.Entry e : backups) {
                if (e.verification() != null && !e.id().equals(newest)) {
                    continue;
                }
                ctx.checkInterrupted();
                VerifyResult r = verifier.verify(ctx.target(), e.id(), true);
                checked++;
                bytes += r.bytesRead();
                if (!r.ok()) {
                    problems.add(e.id() + ": " + String.join("; ", r.problems()));
                }
            }
            if (!problems.isEmpty()) {
                throw new PgnestException(ErrorKind.INTEGRITY, problems.size() + " backup(s) of " + ctx.target()
                        + " do not match their manifests: " + String.join(" | ", problems),
                        "take a new backup now; pgnest backup verify shows the details");
            }
            return new JobResult(checked + " backup(s) verified" + (newest == null ? "" : ", newest " + newest), newest, bytes);
        });
    }

    /** Expires backups of the target past {@code policy} (per target). */
    public Job expire(Function<String, RetentionPolicy> policy, ZoneId zone) {
        return ctx -> withRepository(repository -> {
            BackupExpiry.Result result = BackupExpiry.expire(repository, ctx.target(), policy.apply(ctx.target()), false,
                    Instant.now(), zone);
            ExpiryPlan plan = result.plan();
            return JobResult.of(plan.toDelete().size() + " backup(s) expired, " + plan.toKeep().size() + " kept, "
                    + result.wal().removed() + " WAL file(s) removed");
        });
    }

    /** Reads backups for the status page. */
    public StatusSource status() {
        return new StatusSource() {
            @Override
            public TargetStatus status(String target) {
                try (Storage s = storage.open()) {
                    return RepositoryStatus.of(Repository.open(s), target);
                }
            }

            @Override
            public TimelinePicture timeline(String target, Instant from, Instant to) {
                try (Storage s = storage.open()) {
                    return TimelinePicture.read(Repository.open(s), target, from, to);
                }
            }
        };
    }

    private interface RepositoryWork {
        JobResult run(Repository repository) throws Exception;
    }

    private JobResult withRepository(RepositoryWork work) throws Exception {
        try (Storage s = storage.open()) {
            return work.run(Repository.open(s));
        }
    }
}
