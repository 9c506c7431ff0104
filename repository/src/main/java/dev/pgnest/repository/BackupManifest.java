package dev.pgnest.repository;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A backup's manifest: {@code <target>/backups/<id>/manifest.json}, written last, after every
 * object it lists is stored. The backup exists if and only if this file does. Restore trusts
 * nothing it does not list, and checks each object's size and SHA-256.
 *
 * @param format             manifest format (the repository format it was written under)
 * @param id                 backup id, e.g. {@code 20250314-021500L}
 * @param kind               logical (pg_dump) or physical (base backup)
 * @param target             the configured target name it was taken from
 * @param startTime          when the backup began
 * @param endTime            when its last object was stored
 * @param toolVersion        the pgnest that wrote it
 * @param postgres           the server it was taken from
 * @param schemaVersion      the Flyway schema version at backup time; null when the database
 *                           has no flyway_schema_history
 * @param tags               free labels; {@code pre-migration} marks a pre-migration snapshot
 * @param precedesMigrations for a pre-migration snapshot: the versions about to be applied
 * @param compression        how the objects are compressed
 * @param encryption         client-side encryption of the objects ({@code none} for now;
 *                           server-side encryption is the storage's business)
 * @param objects            every data object of the backup, names relative to the backup's
 *                           directory
 * @param logical            details of a logical backup (null for physical)
 * @param physical           details of a physical backup (null for logical)
 */
public record BackupManifest(
        int format,
        String id,
        BackupKind kind,
        String target,
        Instant startTime,
        Instant endTime,
        String toolVersion,
        PostgresInfo postgres,
        String schemaVersion,
        List<String> tags,
        List<String> precedesMigrations,
        Compression compression,
        String encryption,
        List<BackupObject> objects,
        LogicalInfo logical,
        PhysicalInfo physical) {

    public static final String TAG_PRE_MIGRATION = "pre-migration";

    public BackupManifest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        tags = tags == null ? List.of() : List.copyOf(tags);
        precedesMigrations = precedesMigrations == null ? List.of() : List.copyOf(precedesMigrations);
        objects = objects == null ? List.of() : List.copyOf(objects);
        encryption = encryption == null ? "none" : encryption;
    }

    /** Bytes stored in the repository (compressed). */
    public long storedSize() {
        return objects.stream().mapToLong(BackupObject::size).sum();
    }

    /** Bytes before compression. */
    public long rawSize() {
        return objects.stream().mapToLong(BackupObject::rawSize).sum();
    }

    public Duration duration() {
        return startTime == null || endTime == null ? Duration.ZERO : Duration.between(startTime, endTime);
    }

    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }

    /**
     * One stored object of a backup.
     *
     * @param name        path relative to the backup's directory, e.g. {@code dump.pgdump.zst}
     * @param size        stored bytes
     * @param rawSize     bytes before compression
     * @param sha256      hex SHA-256 of the stored bytes (so verification needs no decompression)
     * @param compression how this object is compressed
     */
    public record BackupObject(String name, long size, long rawSize, String sha256, Compression compression) {
        public BackupObject {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(compression, "compression");
        }
    }

    /**
     * The server a backup was taken from.
     *
     * @param version          {@code server_version}, e.g. {@code 15.8 (Debian 15.8-0+deb12u1)}
     * @param versionNum       {@code server_version_num}, e.g. 150008
     * @param systemIdentifier the cluster's system identifier (pg_control), when known
     */
    public record PostgresInfo(String version, int versionNum, String systemIdentifier) {
    }

    /**
     * A logical backup: one {@code pg_dump --format=custom} of one database.
     *
     * @param database      the database dumped
     * @param dumpFormat    pg_dump's format: {@code custom}
     * @param pgDumpVersion {@code pg_dump --version}, e.g. {@code pg_dump (PostgreSQL) 15.8}
     * @param databaseSize  {@code pg_database_size} at backup time, for planning restores
     */
    public record LogicalInfo(String database, String dumpFormat, String pgDumpVersion, Long databaseSize) {
    }

    /**
     * A physical base backup (filled in by physical backups).
     *
     * @param timeline  the timeline the backup started on
     * @param startLsn  pg_backup_start's LSN, e.g. {@code 0/2000028}
     * @param stopLsn   pg_backup_stop's LSN
     * @param startWal  the WAL file holding startLsn; restore needs WAL from here
     * @param stopWal   the WAL file holding stopLsn; the backup is consistent once replay gets here
     * @param method    how files were read: {@code files} (local data directory) or {@code pg_basebackup}
     * @param type      {@code full}, {@code diff} (changes since the last full) or {@code incr} (changes since
     *                  the previous backup of its chain); null (older manifests) means full
     * @param dependsOn for diff and incr: the backup whose files this one's changes apply to; a restore
     *                  needs it and, through it, the whole chain down to the full backup
     */
    public record PhysicalInfo(long timeline, String startLsn, String stopLsn, String startWal, String stopWal,
                               String method, String type, String dependsOn) {
        public static final String FULL = "full";
        public static final String DIFF = "diff";
        public static final String INCR = "incr";

        public PhysicalInfo {
            type = type == null ? FULL : type;
        }

        /** A full backup: it depends on nothing. */
        public PhysicalInfo(long timeline, String startLsn, String stopLsn, String startWal, String stopWal, String method) {
            this(timeline, startLsn, stopLsn, startWal, stopWal, method, FULL, null);
        }

        public boolean full() {
            return dependsOn == null;
        }
    }

    /** The backup this one's restore also needs (diff and incr), if any. */
    public Optional<String> dependsOn() {
        return Optional.ofNullable(physical == null ? null : physical.dependsOn());
    }
}
