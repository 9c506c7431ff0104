package dev.pgnest.repository;

import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restore points of a target recorded in the repository
 * ({@code <target>/restore-points/<name>.json}): written by {@code migrate deploy}, read by the
 * restorable-window picture and {@code restore pitr --before-migration}, removed by WAL expiry
 * with the segment that holds the point. Takes the storage of an opened {@link Repository}.
 */
public final class RestorePointRecords {
    private static final Logger LOG = LoggerFactory.getLogger(RestorePointRecords.class);
    private static final String JSON = ".json";

    private RestorePointRecords() {
    }

    /** Stores the record of a restore point of {@code target}; returns where. */
    public static String save(Storage storage, String target, RestorePointRecord point) {
        String key = RepositoryLayout.restorePointKey(target, point.name());
        storage.put(key, RepositoryJson.write(point));
        return storage.location(key);
    }

    /** The recorded restore points of {@code target}, oldest first; a damaged record is skipped with a warning. */
    public static List<RestorePointRecord> list(Storage storage, String target) {
        List<RestorePointRecord> points = new ArrayList<>();
        for (ObjectInfo o : storage.list(RepositoryLayout.restorePointsPrefix(target))) {
            if (!o.key().endsWith(JSON)) {
                continue;
            }
            try {
                points.add(RepositoryJson.read(storage.getBytes(o.key()), RestorePointRecord.class, storage.location(o.key())));
            } catch (ObjectNotFoundException e) {
                // expired while listing
            } catch (PgnestException e) {
                LOG.warn("ignoring damaged restore point record: {}", e.getMessage());
            }
        }
        points.sort(Comparator.comparing(RestorePointRecord::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(RestorePointRecord::name));
        return points;
    }

    /** Removes the records of {@code points} (their WAL is gone, so they restore nothing). */
    public static void delete(Storage storage, String target, List<RestorePointRecord> points) {
        for (RestorePointRecord p : points) {
            storage.delete(RepositoryLayout.restorePointKey(target, p.name()));
        }
    }
}
