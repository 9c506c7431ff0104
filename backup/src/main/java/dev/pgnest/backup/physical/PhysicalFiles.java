package dev.pgnest.backup.physical;

import java.util.List;
import java.util.Objects;

/**
 * The file list of a physical backup: the object {@code files.json} (compressed like the rest)
 * next to the manifest, which lists it with its SHA-256 like every other object. The
 * manifest's {@code physical} section holds what catalog listings need (LSNs, WAL names); this
 * holds what a restore needs to rebuild the data directory.
 *
 * @param format           version of this file's layout
 * @param systemIdentifier the cluster's system identifier
 * @param segmentSize      wal_segment_size in bytes
 * @param files            every file, {@code backup_label} and {@code tablespace_map} included
 * @param directories      every directory, so empty ones ({@code pg_wal}, {@code pg_replslot}…) are recreated
 * @param tablespaces      {@code pg_tblspc/<oid>} links and where they pointed
 */
public record PhysicalFiles(int format, String systemIdentifier, long segmentSize, List<FileEntry> files,
                            List<String> directories, List<TablespaceEntry> tablespaces) {

    public static final int FORMAT = 1;
    /** Object name (before the compression extension) of the file list inside a backup. */
    public static final String OBJECT_NAME = "files.json";

    public PhysicalFiles {
        files = List.copyOf(files);
        directories = List.copyOf(directories);
        tablespaces = tablespaces == null ? List.of() : List.copyOf(tablespaces);
    }

    /**
     * One file of the data directory.
     *
     * @param path     path inside the data directory, {@code /}-separated; tablespace files under
     *                 {@code pg_tblspc/<oid>/}
     * @param size     bytes copied (the file may have changed size while the backup read it;
     *                 WAL replay repairs that)
     * @param sha256   hex SHA-256 of those bytes
     * @param object   the backup object holding it (name with extension, as in the manifest)
     * @param offset   where it starts in the object's decompressed content (bundles hold many
     *                 small files back to back)
     * @param modified modification time, epoch milliseconds
     */
    public record FileEntry(String path, long size, String sha256, String object, long offset, long modified) {
        public FileEntry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(object, "object");
        }
    }

    /** A tablespace: {@code pg_tblspc/<oid>} pointed to {@code location} on the backed-up server. */
    public record TablespaceEntry(String oid, String location) {
    }

    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }
}
