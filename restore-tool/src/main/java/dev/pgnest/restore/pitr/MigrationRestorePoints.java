package dev.pgnest.restore.pitr;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.repository.RestorePointRecords;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
import dev.pgnest.wal.WalSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the restore point {@code pgnest migrate deploy} made before a migration
 * ({@code pgnest_<target>_before_v<V>_<yyyyMMdd'T'HHmmss'Z'>}): first among the records deploy
 * writes into the repository ({@link RestorePointRecords}), then, for points made before there
 * were records (or whose record could not be written), in the archived WAL: restore points live
 * only in WAL, so the archived segments are read with {@code pg_waldump}. With the migration's
 * install time (from the live database) only the segments archived around it are read; without
 * it, the archive is read backwards from its end.
 */
final class MigrationRestorePoints {
    private static final Pattern RECORD = Pattern.compile("lsn: ([0-9A-F]+/[0-9A-F]+),.*desc: RESTORE_POINT (\\S+)");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final int BATCH = 8;
    private static final int MAX_SEGMENTS = 256;

    /** A restore point found in the WAL. */
    record Found(String name, String lsn, Instant madeAt, String segment) {
    }

    private MigrationRestorePoints() {
    }

    static String prefix(String target, String version) {
        return "pgnest_" + target + "_before_v" + version + "_";
    }

    /**
     * The newest recorded restore point before {@code version} that was made by {@code notAfter}
     * (the migration's install time; null: unknown). Its WAL may have expired since only if the
     * record outlived it, which WAL expiry prevents.
     */
    static Optional<Found> recorded(Repository repository, String target, String version, Instant notAfter) {
        List<RestorePointRecord> points = RestorePointRecords.list(repository.storage(), target).stream()
                .filter(r -> version.equals(r.migration()))
                .filter(r -> notAfter == null || r.createdAt() == null || !r.createdAt().isAfter(notAfter.plusSeconds(1)))
                .toList();
        return points.isEmpty() ? Optional.empty() : Optional.of(points.get(points.size() - 1))
                .map(r -> new Found(r.name(), r.lsn(), r.createdAt(), r.walFile()));
    }

    /**
     * Reads the archived WAL for the restore point.
     *
     * @param notBefore the migration was installed after this (null: unknown)
     * @param notAfter  ... and before this (null: unknown)
     */
    static Optional<Found> find(Repository repository, String target, String version, Instant notBefore, Instant notAfter,
                                PgBinaries binaries) {
        WalArchive archive = new WalArchive(repository.storage(), target, dev.pgnest.repository.Compression.ZSTD, 3);
        WalArchive.Contents contents = archive.contents();
        long size = contents.segmentSize();
        Map<WalSegment, Instant> archivedAt = new HashMap<>();
        for (ObjectInfo o : repository.storage().list(RepositoryLayout.walPrefix(target))) {
            String name = o.key().substring(o.key().lastIndexOf('/') + 1);
            if (name.length() >= 24 && name.length() <= 28 && name.substring(0, 24).matches("[0-9A-F]{24}")) {
                archivedAt.put(WalSegment.parse(name.substring(0, 24), size), o.lastModified());
            }
        }
        List<WalSegment> candidates = new ArrayList<>(contents.segments());
        candidates.sort(Comparator.naturalOrder());
        if (notBefore != null) {
            // a restore point is in a segment archived after it was made
            Instant from = notBefore.minusSeconds(120);
            candidates.removeIf(s -> archivedAt.getOrDefault(s, Instant.MAX).isBefore(from));
        } else {
            candidates.sort(Comparator.reverseOrder());
        }
        String wanted = prefix(target, version);
        int scanned = 0;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pgnest-waldump-");
            for (int i = 0; i < candidates.size() && scanned < MAX_SEGMENTS; i += BATCH) {
                List<WalSegment> batch = new ArrayList<>(candidates.subList(i, Math.min(candidates.size(), i + BATCH)));
                batch.sort(Comparator.naturalOrder());
                scanned += batch.size();
                List<Found> found = scan(archive, batch, size, dir, binaries, wanted);
                if (notAfter != null) {
                    found.removeIf(f -> f.madeAt() != null && f.madeAt().isAfter(notAfter.plusSeconds(1)));
                }
                if (!found.isEmpty()) {
                    return Optional.of(found.get(found.size() - 1));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot read the archived WAL for restore points: " + e.getMessage(),
                    "check the temp directory, or give --to-restore-point NAME", e);
        } finally {
            if (dir != null) {
                DeltaSync.deleteTree(dir, false);
            }
        }
    }

    /** Downloads one batch (per timeline, consecutive runs) and lists the matching restore points in it. */
    private static List<Found> scan(WalArchive archive, List<WalSegment> batch, long size, Path dir, PgBinaries binaries,
                                    String wanted) throws IOException {
        List<Found> found = new ArrayList<>();
        List<List<WalSegment>> runs = new ArrayList<>();
        for (WalSegment s : batch) {
            List<WalSegment> run = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            WalSegment last = run == null ? null : run.get(run.size() - 1);
            if (last != null && last.timeline() == s.timeline() && last.number() + 1 == s.number()) {
                run.add(s);
            } else {
                runs.add(new ArrayList<>(List.of(s)));
            }
        }
        for (List<WalSegment> run : runs) {
            for (WalSegment s : run) {
                try {
                    archive.fetch(s.name(size), dir.resolve(s.name(size)));
                } catch (WalNotFoundException e) {
                    return found;
                }
            }
            String first = run.get(0).name(size);
            String last = run.get(run.size() - 1).name(size);
            ChildProcess.Result waldump;
            try {
                waldump = ChildProcess.run(List.of(binaries.program("pg_waldump").toString(), "--path=" + dir, "--rmgr=XLOG",
                        first, last), Map.of(), null, Duration.ofMinutes(5));
            } catch (PgnestException e) {
                if (e.kind() == ErrorKind.INTERRUPTED) {
                    throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while reading WAL", "run the restore again");
                }
                throw e;
            }
            // pg_waldump ends with an error at the end of the last segment's records (and is killed
            // after its timeout): what it printed counts
            for (String line : waldump.stdout().lines().toList()) {
                Matcher m = RECORD.matcher(line);
                if (m.find() && m.group(2).startsWith(wanted)) {
                    found.add(new Found(m.group(2), m.group(1), stampOf(m.group(2)), s(run)));
                }
            }
            for (WalSegment s : run) {
                Files.deleteIfExists(dir.resolve(s.name(size)));
            }
        }
        return found;
    }

    private static String s(List<WalSegment> run) {
        return run.get(0).toString();
    }

    static Instant stampOf(String name) {
        int i = name.lastIndexOf('_');
        try {
            return LocalDateTime.parse(name.substring(i + 1), STAMP).toInstant(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
