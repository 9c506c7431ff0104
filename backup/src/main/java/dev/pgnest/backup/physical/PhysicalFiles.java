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
     * @param size     the file's size (the file may have changed size while the backup read it;
     *                 WAL replay repairs that)
     * @param sha256   hex SHA-256 of the bytes stored for it: the whole file, or for {@link #PAGES}
     *                 the page records; for {@link #SAME} the file's SHA-256 as the backup it
     *                 depends on stored it
     * @param object   the backup object holding it (name with extension, as in the manifest);
     *                 null when nothing is stored ({@link #SAME}, or {@link #PAGES} with no page)
     * @param offset   where it starts in the object's decompressed content (bundles hold many
     *                 small files back to back)
     * @param modified modification time, epoch milliseconds
     * @param change   null: stored whole; {@link #SAME}: unchanged since the backup this one
     *                 depends on; {@link #PAGES}: that backup's file with the pages stored here
     *                 written over it, cut or extended to {@code size}
     * @param stored   bytes stored in the object ({@code size} when stored whole)
     */
    public record FileEntry(String path, long size, String sha256, String object, long offset, long modified,
                            String change, Long stored) {
        /** Unchanged since the backup this one depends on: restored from there. */
        public static final String SAME = "same";
        /**
         * Only the pages changed since the reference backup's start: records of a 4-byte
         * big-endian block number followed by the block ({@link PageDelta#PAGE} bytes).
         */
        public static final String PAGES = "pages";

        public FileEntry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
            if (change == null) {
                Objects.requireNonNull(object, "object");
            }
        }

        /** A file stored whole. */
        public FileEntry(String path, long size, String sha256, String object, long offset, long modified) {
            this(path, size, sha256, object, offset, modified, null, null);
        }

        /** Bytes this entry takes in its object. */
        public long storedBytes() {
            return stored != null ? stored : change == null ? size : 0;
        }
    }

    /** A tablespace: {@code pg_tblspc/<oid>} pointed to {@code location} on the backed-up server. */
    public record TablespaceEntry(String oid, String location) {
    }

    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }
}
