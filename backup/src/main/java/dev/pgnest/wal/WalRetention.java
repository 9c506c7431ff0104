package dev.pgnest.wal;

import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.repository.RestorePointRecords;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expiry of archived WAL: keeps every file a kept physical backup can replay and removes the
 * rest. A backup on timeline T starting in segment S needs T's segments from S on, and those
 * of every later timeline that leaves T's history at or after the backup's start (recovery
 * may follow it); a timeline that branched off before the backup's start is of no use to it.
 * Timeline history files are always kept (tiny, and recovery reads them to choose a timeline).
 * The records of restore points in removed segments go with them.
 * A {@code <segment>.partial} (stored by {@code wal stream --synchronous}, or archived by
 * PostgreSQL at a promotion) is removed once the whole segment of that name is archived:
 * recovery then takes the segment, never the partial.
 *
 * <p>Nothing is removed on a guess: without a physical backup nothing goes; a timeline whose
 * history is not archived (ancestry unknown) is kept whole, and so is the newest timeline
 * while no kept backup reaches it (a base backup of it may be running); a backup whose
 * manifest cannot be read stops WAL expiry altogether.
 */
public final class WalRetention {
    private static final Logger LOG = LoggerFactory.getLogger(WalRetention.class);

    /**
     * What expiry removed, or would remove on a dry run.
     *
     * @param keepFrom     the start segment of the oldest kept physical backup (by time); empty when nothing was expired
     * @param removed      files removed (segments, backup history and partial files)
     * @param removedBytes their stored size
     * @param timelines    per timeline in the archive, what is left and what went
     * @param notExpired   why nothing was removed, when nothing could be (empty, with an empty
     *                     {@code keepFrom}, when the target has no WAL archive at all)
     */
    public record Outcome(Optional<String> keepFrom, int removed, long removedBytes, List<TimelineOutcome> timelines,
                          Optional<String> notExpired) {
        static final Outcome NO_ARCHIVE = new Outcome(Optional.empty(), 0, 0, List.of(), Optional.empty());

        static Outcome notExpired(String why) {
            return new Outcome(Optional.empty(), 0, 0, List.of(), Optional.of(why));
        }

        /** Whether the target has a WAL archive this expiry looked at. */
        public boolean hasArchive() {
            return keepFrom.isPresent() || notExpired.isPresent();
        }
    }

    /** One timeline: its first segment left after expiry (empty when none is) and the files removed. */
    public record TimelineOutcome(int timeline, Optional<String> firstKept, int removed) {
    }

    private WalRetention() {
    }

    /** Expires WAL for every committed physical backup of the archive's target (pgnest wal expire). */
    public static Outcome expire(Repository repository, WalArchive archive, boolean dryRun) {
        Catalog.Listing listing = repository.catalog().listing(archive.target());
        return expire(archive, listing.backups().stream().map(Catalog.Entry::manifest).toList(), listing.unreadable(),
                dryRun);
    }

    /**
     * Expires WAL for {@code kept}, the backups that remain (those an expiry plan keeps).
     *
     * @param unreadable ids of backups whose manifest could not be read: their needs are unknown,
     *                   so nothing is removed while there are any
     */
    public static Outcome expire(WalArchive archive, List<BackupManifest> kept, List<String> unreadable, boolean dryRun) {
        if (archive.info().isEmpty()) {
            return Outcome.NO_ARCHIVE; // nothing was ever archived (a target of logical backups only)
        }
        if (!unreadable.isEmpty()) {
            return Outcome.notExpired("the manifest of backup " + String.join(", ", unreadable) + " of target "
                    + archive.target() + " cannot be read, so the WAL it needs is unknown; "
                    + "pgnest repo check names the problem (remove or repair that backup, then expire again)");
        }
        List<BackupManifest> physical = kept.stream()
                .filter(m -> m.kind() == BackupKind.PHYSICAL && m.physical() != null).toList();
        if (physical.isEmpty()) {
            return Outcome.notExpired("target " + archive.target() + " has no physical backup: WAL is kept until one exists");
        }
        List<WalArchive.ArchivedFile> files = archive.files();
        long segmentSize = archive.segmentSize();
        Map<Integer, Long> firstNeeded = firstNeeded(archive, files, physical, segmentSize);

        Set<String> segments = files.stream().filter(f -> f.kind() == WalFileName.SEGMENT)
                .map(WalArchive.ArchivedFile::name).collect(Collectors.toSet());
        List<WalArchive.ArchivedFile> doomed = new ArrayList<>();
        Map<Integer, int[]> removedPerTimeline = new TreeMap<>();
        Map<Integer, WalSegment> firstKept = new HashMap<>();
        long bytes = 0;
        for (WalArchive.ArchivedFile f : files) {
            Optional<WalSegment> segment = f.segment(segmentSize);
            if (segment.isEmpty()) {
                continue; // a history file
            }
            WalSegment s = segment.get();
            removedPerTimeline.computeIfAbsent(s.timeline(), t -> new int[1]);
            Long first = firstNeeded.get(s.timeline());
            boolean covered = f.kind() == WalFileName.PARTIAL && segments.contains(f.name().substring(0, 24));
            if (first == null || s.number() < first || covered) {
                doomed.add(f);
                bytes += f.size();
                removedPerTimeline.get(s.timeline())[0]++;
            } else if (f.kind() == WalFileName.SEGMENT) {
                firstKept.merge(s.timeline(), s, (a, b) -> a.number() <= b.number() ? a : b);
            }
        }
        // by time, not LSN: after a point-in-time restore a newer backup can start at a lower LSN
        String keepFrom = physical.stream()
                .min(Comparator.comparing(BackupManifest::startTime, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(BackupManifest::id))
                .orElseThrow().physical().startWal();
        if (!dryRun && !doomed.isEmpty()) {
            archive.delete(doomed);
            LOG.info("expired {} WAL files of target {} ({} bytes); kept from {}", doomed.size(), archive.target(), bytes,
                    keepFrom);
        }
        if (!dryRun) {
            int newestTimeline = files.stream().mapToInt(f -> WalFileName.timelineOf(f.name())).max().orElse(0);
            expireRestorePoints(archive, firstNeeded, newestTimeline, segmentSize);
        }
        List<TimelineOutcome> timelines = new ArrayList<>();
        removedPerTimeline.forEach((tli, n) -> timelines.add(new TimelineOutcome(tli,
                Optional.ofNullable(firstKept.get(tli)).map(s -> s.name(segmentSize)), n[0])));
        return new Outcome(Optional.of(keepFrom), doomed.size(), bytes, List.copyOf(timelines), Optional.empty());
    }

    /**
     * Removes the records of restore points whose segment is no longer kept (expired now or
     * before): no backup can replay to them, so the picture and {@code --before-migration} must
     * not offer them. A record naming no readable segment is kept, and so is one on a timeline
     * newer than the archive's (nothing of it archived yet).
     */
    private static void expireRestorePoints(WalArchive archive, Map<Integer, Long> firstNeeded, int newestTimeline,
                                            long segmentSize) {
        List<RestorePointRecord> gone = new ArrayList<>();
        for (RestorePointRecord r : RestorePointRecords.list(archive.storage(), archive.target())) {
            if (r.walFile() == null || !WalFileName.isSegment(r.walFile())) {
                continue;
            }
            WalSegment s = WalSegment.parse(r.walFile(), segmentSize);
            if (s.timeline() > newestTimeline) {
                continue;
            }
            Long first = firstNeeded.get(s.timeline());
            if (first == null || s.number() < first) {
                gone.add(r);
            }
        }
        if (!gone.isEmpty()) {
            RestorePointRecords.delete(archive.storage(), archive.target(), gone);
            LOG.info("expired {} restore point record(s) of target {} with their WAL: {}", gone.size(), archive.target(),
                    String.join(", ", gone.stream().map(RestorePointRecord::name).toList()));
        }
    }

    /**
     * For each timeline, the first segment number any kept backup needs; a timeline without an
     * entry is needed by none.
     */
    private static Map<Integer, Long> firstNeeded(WalArchive archive, List<WalArchive.ArchivedFile> files,
                                                  List<BackupManifest> physical, long segmentSize) {
        TreeSet<Integer> timelines = new TreeSet<>();
        Set<Integer> histories = new TreeSet<>();
        for (WalArchive.ArchivedFile f : files) {
            int tli = WalFileName.timelineOf(f.name());
            timelines.add(tli);
            if (f.kind() == WalFileName.HISTORY) {
                histories.add(tli);
            }
        }
        Map<Integer, Optional<TimelineHistory>> lineage = new HashMap<>();
        for (int tli : timelines) {
            lineage.put(tli, lineage(archive, tli, histories));
        }
        Map<Integer, Long> first = new HashMap<>();
        for (BackupManifest m : physical) {
            WalSegment start = WalSegment.parse(m.physical().startWal(), segmentSize);
            Lsn startLsn = m.physical().startLsn() == null ? start.startLsn(segmentSize) : Lsn.parse(m.physical().startLsn());
            first.merge(start.timeline(), start.number(), Math::min);
            for (int tli : timelines) {
                if (tli > start.timeline()) {
                    lineage.get(tli).flatMap(h -> h.switchPointOff(start.timeline()))
                            .filter(at -> !at.isBefore(startLsn))
                            .ifPresent(at -> first.merge(tli, start.number(), Math::min));
                }
            }
        }
        lineage.forEach((tli, h) -> {
            if (h.isEmpty()) {
                first.put(tli, 0L);
            }
        });
        if (!timelines.isEmpty()) {
            first.putIfAbsent(timelines.last(), 0L);
        }
        return first;
    }

    /** A timeline's ancestry as archived; empty when unknown (history file missing or damaged). */
    private static Optional<TimelineHistory> lineage(WalArchive archive, int timeline, Set<Integer> histories) {
        if (timeline == 1) {
            return Optional.of(TimelineHistory.first());
        }
        if (!histories.contains(timeline)) {
            return Optional.empty();
        }
        try {
            return Optional.of(archive.history(timeline));
        } catch (PgnestException e) {
            LOG.warn("keeping all WAL of timeline {}: {}", timeline, e.getMessage());
            return Optional.empty();
        }
    }
}
