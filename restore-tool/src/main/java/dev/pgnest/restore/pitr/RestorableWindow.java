package dev.pgnest.restore.pitr;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.wal.Lsn;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which points in time a repository can restore to: for each physical backup, from the moment
 * it is consistent to the end of the WAL that follows it without a hole. Read from the catalog
 * and the WAL archive's listing only, before anything is downloaded or touched.
 *
 * @param segmentSize the archive's WAL segment size
 * @param backups     restorable backups, oldest first
 * @param unusable    backups whose WAL does not reach their stop segment, and why
 */
public record RestorableWindow(long segmentSize, List<BackupSpan> backups, List<String> unusable) {

    /**
     * One backup's span.
     *
     * @param manifest  the backup
     * @param fromLsn   its stop LSN: the first restorable position
     * @param fromTime  when it ended (a little after it became consistent)
     * @param lastSegment the last WAL segment reachable from it without a hole
     * @param toLsn     the end of that segment
     * @param toTime    when that segment was archived: no commit in the archive is later
     * @param walBytes  stored bytes of the WAL from its start segment to {@code lastSegment}
     * @param walSegments how many segments that is
     */
    public record BackupSpan(BackupManifest manifest, Lsn fromLsn, Instant fromTime, WalSegment lastSegment,
                             Lsn toLsn, Instant toTime, long walBytes, long walSegments) {
        public WalSegment startSegment(long segmentSize) {
            return WalSegment.parse(manifest.physical().startWal(), segmentSize);
        }
    }

    public boolean isEmpty() {
        return backups.isEmpty();
    }

    public Optional<BackupSpan> oldest() {
        return backups.isEmpty() ? Optional.empty() : Optional.of(backups.get(0));
    }

    public Optional<BackupSpan> newest() {
        return backups.isEmpty() ? Optional.empty() : Optional.of(backups.get(backups.size() - 1));
    }

    /** "from 2025-03-14T01:05:00Z (LSN 0/2000100) to about 2025-03-14T03:00:00Z (LSN 0/9000000)", or "nothing". */
    public String describe() {
        if (backups.isEmpty()) {
            return "nothing (no physical backup with complete WAL)";
        }
        BackupSpan first = backups.get(0);
        BackupSpan last = backups.get(backups.size() - 1);
        return "from " + first.fromTime() + " (LSN " + first.fromLsn() + ") to about " + last.toTime()
                + " (LSN " + last.toLsn() + ")";
    }

    /** Reads the catalog and the archive listing of {@code target}. */
    public static RestorableWindow of(Repository repository, String target) {
        List<BackupManifest> physical = repository.catalog().backups(target).stream().map(Catalog.Entry::manifest)
                .filter(m -> m.kind() == BackupKind.PHYSICAL && m.physical() != null).toList();
        WalArchive archive = new WalArchive(repository.storage(), target, dev.pgnest.repository.Compression.ZSTD, 3);
        WalArchive.Contents contents = archive.contents();
        long size = contents.segmentSize();
        List<ObjectInfo> walObjects = repository.storage().list(RepositoryLayout.walPrefix(target));
        List<BackupSpan> spans = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        for (BackupManifest m : physical) {
            WalSegment start = WalSegment.parse(m.physical().startWal(), size);
            WalSegment stop = WalSegment.parse(m.physical().stopWal(), size);
            Optional<WalSegment> reachable;
            try {
                reachable = archive.reachableFrom(contents, start);
            } catch (dev.pgnest.storage.StorageException e) {
                throw e; // the repository did not answer: that says nothing about the backup
            } catch (RuntimeException e) {
                unusable.add(m.id() + ": " + e.getMessage());
                continue;
            }
            if (reachable.isEmpty() || reachable.get().number() < stop.number()) {
                unusable.add(m.id() + ": the archive lacks WAL between " + start.name(size) + " and " + stop.name(size)
                        + (reachable.map(r -> " after " + r.name(size)).orElse("")));
                continue;
            }
            WalSegment last = reachable.get();
            long bytes = 0;
            Instant lastArchived = m.endTime();
            for (ObjectInfo o : walObjects) {
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                if (name.length() < 24 || !name.substring(0, 24).matches("[0-9A-F]{24}") || name.length() > 28) {
                    continue;
                }
                WalSegment s = WalSegment.parse(name.substring(0, 24), size);
                if (s.number() >= start.number() && s.number() <= last.number()) {
                    bytes += o.size();
                    if (s.equals(last) && o.lastModified() != null) {
                        lastArchived = o.lastModified();
                    }
                }
            }
            spans.add(new BackupSpan(m, Lsn.parse(m.physical().stopLsn()), m.endTime(), last, last.endLsn(size),
                    lastArchived, bytes, last.number() - start.number() + 1));
        }
        return new RestorableWindow(size, List.copyOf(spans), List.copyOf(unusable));
    }
}
