package dev.pgnest.repository;

import java.time.Instant;

/**
 * A pre-migration restore point as recorded in the repository
 * ({@code <target>/restore-points/<name>.json}, written by {@code migrate deploy} when it made
 * the point): restore points themselves live only in WAL, and reading archived WAL
 * ({@code pg_waldump}) is far too slow for a status page or a picture. The record is a
 * pointer into the WAL, so it is expired with the segment that holds the point.
 *
 * @param name             the restore point's name, what {@code recovery_target_name} takes
 * @param lsn              where PostgreSQL wrote it, e.g. {@code 0/3000090}
 * @param createdAt        when {@code pg_create_restore_point} returned
 * @param timeline         the timeline it is on
 * @param walFile          the WAL segment that holds it ({@code pg_walfile_name})
 * @param migration        the version about to be applied: the point is "before" it
 * @param schemaVersion    the schema version the point shows; null for an empty database
 * @param host             where the deploy ran
 */
public record RestorePointRecord(String name, String lsn, Instant createdAt, long timeline, String walFile,
                                 String migration, String schemaVersion, String host) {
}
