package dev.pgnest.restore.timeline;

import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.repository.RestorePointRecords;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalCheck;
import dev.pgnest.wal.WalCoverage;
import dev.pgnest.wal.WalSegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the restorable-window picture shows, as plain values: {@link TimelineSvg} draws it, and
 * the status page, {@code restore plan}, incident reports and {@code backup list --output svg}
 * all draw the same one.
 *
 * @param target        the configured target
 * @param from          left edge
 * @param to            right edge
 * @param now           drawn as a line; usually {@code to}
 * @param nowNote       what to say beside "now", e.g. the archive lag; null for nothing
 * @param timelines     one lane per PostgreSQL timeline, lowest first
 * @param switches      where a timeline begins
 * @param backups       oldest first
 * @param drills        restore drills, passed and failed
 * @param verifications backup verifications
 * @param restorePoints pre-migration restore points (recorded by migrate deploy) and pre-migration backups
 * @param chosenBackup  a backup to highlight (a restore plan's); null for none
 */
public record TimelinePicture(String target, Instant from, Instant to, Instant now, String nowNote, List<Lane> timelines,
                              List<Mark> switches, List<Backup> backups, List<Mark> drills, List<Mark> verifications,
                              List<Mark> restorePoints, String chosenBackup) {

    /** How far back a picture reaches unless asked otherwise. */
    public static final int DEFAULT_DAYS = 14;

    public TimelinePicture {
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("empty time range " + from + ".." + to);
        }
        timelines = List.copyOf(timelines);
        switches = List.copyOf(switches);
        backups = List.copyOf(backups);
        drills = List.copyOf(drills);
        verifications = List.copyOf(verifications);
        restorePoints = List.copyOf(restorePoints);
    }

    /** One timeline: where WAL makes it restorable, and the holes that cut it. */
    public record Lane(long timeline, List<Span> covered, List<Span> gaps) {
        public Lane {
            covered = List.copyOf(covered);
            gaps = List.copyOf(gaps);
        }
    }

    /** A stretch of time with the name a reader sees on hover. */
    public record Span(Instant from, Instant to, String name) {
    }

    /**
     * A point in time.
     *
     * @param label short text drawn beside it (a migration version), or null
     * @param ok    passed / verified ok (drills, verifications); true otherwise
     */
    public record Mark(Instant at, String name, String label, boolean ok) {
    }

    /**
     * One backup.
     *
     * @param incremental false for a full backup
     * @param proven      a drill restored it and passed
     * @param failed      its last verification or drill failed
     */
    public record Backup(String id, BackupKind kind, boolean incremental, Instant at, boolean proven, boolean failed,
                         String name) {
    }

    public TimelinePicture withChosenBackup(String id) {
        return new TimelinePicture(target, from, to, now, nowNote, timelines, switches, backups, drills, verifications,
                restorePoints, id);
    }

    public TimelinePicture withRestorePoints(List<Mark> points) {
        return new TimelinePicture(target, from, to, now, nowNote, timelines, switches, backups, drills, verifications,
                points, chosenBackup);
    }

    public TimelinePicture withNowNote(String note) {
        return new TimelinePicture(target, from, to, now, note, timelines, switches, backups, drills, verifications,
                restorePoints, chosenBackup);
    }

    /**
     * Reads the catalog listing and the WAL archive's listing of {@code target} (no data): WAL
     * coverage and each backup's reach come from {@link WalCheck}, as {@code wal check} and
     * {@code backup list} compute them.
     */
    public static TimelinePicture read(Repository repository, String target, Instant from, Instant to) {
        Catalog.Listing listing = repository.catalog().listing(target);
        List<BackupManifest> manifests = listing.backups().stream().map(Catalog.Entry::manifest).toList();
        List<Backup> backups = new ArrayList<>();
        List<Mark> verifications = new ArrayList<>();
        List<Mark> beforeMigrations = new ArrayList<>();
        for (Catalog.Entry e : listing.backups()) {
            BackupManifest m = e.manifest();
            if (!m.precedesMigrations().isEmpty()) {
                String versions = String.join(", ", m.precedesMigrations().stream().map(v -> "V" + v).toList());
                beforeMigrations.add(new Mark(m.startTime(), "before migration " + versions + ": backup " + m.id(),
                        "before " + versions, true));
            }
            Optional<DrillRecord> proven = e.lastProven();
            backups.add(new Backup(m.id(), m.kind(), m.dependsOn().isPresent(), m.endTime(), proven.isPresent(), e.damaged(),
                    m.kind().id() + (m.physical() != null ? " " + m.physical().type() : "") + " backup " + m.id()
                            + m.dependsOn().map(d -> " (depends on " + d + ")").orElse("") + ", ended " + m.endTime()
                            + proven.map(d -> ", proven by drill " + d.id() + " at " + d.finishedAt()).orElse(", never proven")
                            + e.damage().map(d -> ", DAMAGED: " + d).orElse("")));
            if (e.verification() != null) {
                verifications.add(new Mark(e.verification().time(), "verification of " + m.id() + ": "
                        + (e.verification().ok() ? "ok" : "FAILED " + String.join("; ", e.verification().problems())),
                        null, e.verification().ok()));
            }
        }
        // restore points live in WAL; migrate deploy records each one in the repository. Points made
        // before records existed are not drawn: reading WAL (pg_waldump) is too slow for a page view
        for (RestorePointRecord r : RestorePointRecords.list(repository.storage(), target)) {
            beforeMigrations.add(new Mark(r.createdAt(), "restore point " + r.name() + " before migration V" + r.migration()
                    + " (schema version " + (r.schemaVersion() == null ? "<empty>" : r.schemaVersion()) + "), LSN " + r.lsn()
                    + " on timeline " + r.timeline(), "before V" + r.migration(), true));
        }
        beforeMigrations.sort(Comparator.comparing(Mark::at));
        List<Mark> drills = listing.drills().stream().filter(d -> d.finishedAt() != null)
                .map(d -> new Mark(d.finishedAt(), "drill " + d.id() + (d.succeeded() ? " passed" : " FAILED")
                        + (d.backupId() == null ? "" : ", backup " + d.backupId()) + (d.error() == null ? "" : ": " + d.error()),
                        null, d.succeeded())).toList();
        List<Lane> lanes = new ArrayList<>();
        List<Mark> switches = new ArrayList<>();
        List<WalCheck.BackupRef> physical = WalCheck.BackupRef.physical(manifests);
        if (!physical.isEmpty()) {
            WalArchive archive = WalArchive.reader(repository.storage(), target);
            WalArchive.Contents contents = archive.contents();
            long size = contents.segmentSize();
            Map<WalSegment, Instant> archivedAt = contents.archivedAt();
            // before the first restorable backup is consistent, archived WAL restores nothing
            Instant restorableFrom = WalCheck.windows(archive, contents, physical).stream()
                    .filter(WalCheck.BackupWindow::restorable)
                    .map(w -> manifests.stream().filter(m -> m.id().equals(w.backupId())).findFirst().orElseThrow().endTime())
                    .min(Comparator.naturalOrder()).orElse(null);
            List<WalCoverage.Range> gaps = WalCoverage.gapsWithinTimelines(contents.segments());
            for (Map.Entry<Integer, List<WalCoverage.Range>> t : contents.ranges().entrySet()) {
                List<Span> covered = new ArrayList<>();
                for (WalCoverage.Range r : t.getValue()) {
                    Instant start = archivedAt.get(r.first());
                    Instant end = archivedAt.get(r.last());
                    if (restorableFrom != null && start != null && start.isBefore(restorableFrom)) {
                        start = restorableFrom;
                    }
                    if (restorableFrom != null && start != null && end != null && end.isAfter(start)) {
                        covered.add(new Span(start, end, "timeline " + t.getKey() + ": restorable from " + start + " to about "
                                + end + " (WAL " + r.format(size) + ")"));
                    }
                }
                List<Span> holes = new ArrayList<>();
                for (WalCoverage.Range g : gaps) {
                    if (g.first().timeline() == t.getKey()) {
                        Instant start = archivedAt.get(g.first().plus(-1));
                        Instant end = archivedAt.get(g.last().next());
                        if (start != null && end != null) {
                            holes.add(new Span(start, end, "WAL gap on timeline " + t.getKey() + ": " + g.count()
                                    + " segment" + (g.count() == 1 ? "" : "s") + " missing, " + g.format(size)
                                    + " (no restore to a time in here)"));
                        }
                    }
                }
                if (!lanes.isEmpty() && !t.getValue().isEmpty() && archivedAt.get(t.getValue().get(0).first()) != null) {
                    Instant first = archivedAt.get(t.getValue().get(0).first());
                    switches.add(new Mark(first, "switch to timeline " + t.getKey() + " (a promotion or a PITR) about " + first,
                            null, true));
                }
                lanes.add(new Lane(t.getKey(), covered, holes));
            }
        }
        return new TimelinePicture(target, from, to, to, null, lanes, switches, backups, drills, verifications,
                beforeMigrations, null);
    }
}
