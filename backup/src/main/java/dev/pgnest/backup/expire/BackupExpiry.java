package dev.pgnest.backup.expire;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalRetention;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgnest backup expire}: applies a {@link RetentionPolicy} to a target's backups.
 * A backup is deleted manifest first — from that moment it no longer exists for list or
 * restore — then its objects; an interrupted expiry leaves a manifest-less directory that
 * {@code pgnest repo check} removes.
 *
 * <p>WAL retention for physical backups belongs with WAL archiving and is not done here yet.
 */
public final class BackupExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(BackupExpiry.class);

    private BackupExpiry() {
    }

    /** What an expiry decided for the backups, and what it did to the WAL archive. */
    public record Result(ExpiryPlan plan, WalRetention.Outcome wal) {
    }

    /** Plans and, unless {@code dryRun}, deletes; returns the plan that was carried out. */
    public static Result expire(Repository repository, String target, RetentionPolicy policy, boolean dryRun,
                                    Instant now, ZoneId zone) {
        if (policy.isEmpty()) {
            throw new PgnestException(ErrorKind.USAGE, "no retention rule is set, so every backup would be expired",
                    "pass --keep-last, --max-age, --keep-daily, --keep-weekly or --keep-monthly");
        }
        Catalog.Listing listing = repository.catalog().listing(target);
        ExpiryPlan plan = ExpiryPlan.of(listing.backups(), policy, now, zone);
        if (!dryRun) {
            for (Catalog.Entry doomed : plan.toDelete()) {
                delete(repository.storage(), target, doomed.id());
                LOG.info("expired backup {} of target {}", doomed.id(), target);
            }
        }
        WalRetention.Outcome wal = WalRetention.expire(WalArchive.reader(repository.storage(), target),
                plan.toKeep().stream().map(Catalog.Entry::manifest).toList(), listing.unreadable(), dryRun);
        return new Result(plan, wal);
    }

    private static void delete(Storage storage, String target, String id) {
        storage.delete(RepositoryLayout.manifestKey(target, id));
        List<String> rest = storage.list(RepositoryLayout.backupPrefix(target, id)).stream()
                .map(ObjectInfo::key).toList();
        storage.delete(rest);
    }
}
