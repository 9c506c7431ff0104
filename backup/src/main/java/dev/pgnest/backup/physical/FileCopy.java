package dev.pgnest.backup.physical;

import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.PendingBackup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies files of the data directory into one backup object (a bundle or a single large
 * file). For a full backup every file is stored whole. For a diff or incr backup, against the
 * {@link Reference} it depends on: a relation file that the reference has stores only its pages
 * changed since the reference's start ({@link PageDelta}); any other file is stored only when
 * its size or SHA-256 differs from the reference's copy. The object is created on the first
 * byte, so an object whose files all stayed unchanged is never stored.
 */
final class FileCopy {
    private static final int READ_BUFFER = 1 << 18;

    /**
     * The backup an incremental one depends on.
     *
     * @param id         its id
     * @param startLsn   its start LSN: pages with a newer LSN changed since
     * @param files      its file list, by path
     */
    record Reference(String id, long startLsn, Map<String, PhysicalFiles.FileEntry> files) {
    }

    private final PendingBackup pending;
    private final Compression compression;
    private final int level;
    private final Reference reference;
    private final ResumableBackup resumable;

    /**
     * @param reference null for a full backup
     * @param resumable where a full backup notes its large files, and finds those an abandoned
     *                  attempt stored
     */
    FileCopy(PendingBackup pending, Compression compression, int level, Reference reference, ResumableBackup resumable) {
        this.pending = pending;
        this.compression = compression;
        this.level = level;
        this.reference = reference;
        this.resumable = reference == null ? resumable : null;
    }

    /** Writes {@code files} back to back into the object {@code name}; files that vanished meanwhile are left out. */
    List<PhysicalFiles.FileEntry> write(String name, List<DataDirectory.DataFile> files, boolean forceWhole) throws IOException {
        List<PhysicalFiles.FileEntry> written = new ArrayList<>();
        String stored = name + compression.extension();
        boolean single = name.startsWith("files/") && files.size() == 1;
        try (LazyObject out = new LazyObject(name)) {
            for (DataDirectory.DataFile f : files) {
                if (single && resumable != null) {
                    Optional<PhysicalFiles.FileEntry> reused = resumable.reuse(f, stored);
                    if (reused.isPresent()) {
                        written.add(reused.get());
                        continue;
                    }
                }
                PhysicalFiles.FileEntry previous = reference == null || forceWhole ? null : reference.files().get(f.path());
                PhysicalFiles.FileEntry entry;
                try {
                    if (previous == null) {
                        entry = whole(f, out, stored);
                    } else if (PageDelta.eligible(f.path()) && f.size() % PageDelta.PAGE == 0) {
                        entry = pages(f, out, stored);
                    } else if (previous.size() == f.size() && !PhysicalFiles.FileEntry.PAGES.equals(previous.change())
                            && sha256Of(f).equals(previous.sha256())) {
                        entry = new PhysicalFiles.FileEntry(f.path(), f.size(), previous.sha256(), null, 0, f.modifiedMillis(),
                                PhysicalFiles.FileEntry.SAME, 0L);
                    } else {
                        entry = whole(f, out, stored);
                    }
                } catch (NoSuchFileException e) {
                    continue; // dropped while we copy: WAL replay removes it anyway
                }
                written.add(entry);
            }
            BackupManifest.BackupObject object = out.finish();
            if (single && resumable != null && object != null && !written.isEmpty()) {
                resumable.noted(object, written.get(0));
            }
        }
        return written;
    }

    private PhysicalFiles.FileEntry whole(DataDirectory.DataFile f, LazyObject lazy, String stored) throws IOException {
        BackupObjectOutput out = lazy.open();
        long offset = out.rawSize();
        long size = 0;
        MessageDigest sha = PhysicalBackup.sha256();
        byte[] buffer = new byte[READ_BUFFER];
        try (InputStream in = Files.newInputStream(f.source())) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
                size += n;
            }
        }
        return new PhysicalFiles.FileEntry(f.path(), size, HexFormat.of().formatHex(sha.digest()), stored, offset,
                f.modifiedMillis());
    }

    /** The pages changed since the reference's start, each as a record; the file is read once. */
    private PhysicalFiles.FileEntry pages(DataDirectory.DataFile f, LazyObject lazy, String stored) throws IOException {
        MessageDigest sha = PhysicalBackup.sha256();
        long offset = -1;
        long size = 0;
        long written = 0;
        byte[] page = new byte[PageDelta.PAGE];
        byte[] block = new byte[4];
        try (InputStream in = Files.newInputStream(f.source())) {
            for (int number = 0; ; number++) {
                int n = in.readNBytes(page, 0, PageDelta.PAGE);
                if (n <= 0) {
                    break;
                }
                size += n;
                if (n < PageDelta.PAGE) {
                    // extended while we read: the rest of the page is the server's business (replay)
                    Arrays.fill(page, n, PageDelta.PAGE, (byte) 0);
                }
                if (PageDelta.changed(page, 0, reference.startLsn())) {
                    BackupObjectOutput out = lazy.open();
                    if (offset < 0) {
                        offset = out.rawSize();
                    }
                    ByteBuffer.wrap(block).putInt(number);
                    sha.update(block);
                    sha.update(page);
                    out.write(block);
                    out.write(page);
                    written += PageDelta.RECORD;
                }
                if (n < PageDelta.PAGE) {
                    break;
                }
            }
        }
        return new PhysicalFiles.FileEntry(f.path(), size, HexFormat.of().formatHex(sha.digest()),
                written == 0 ? null : stored, Math.max(0, offset), f.modifiedMillis(), PhysicalFiles.FileEntry.PAGES, written);
    }

    static String sha256Of(DataDirectory.DataFile f) throws IOException {
        MessageDigest sha = PhysicalBackup.sha256();
        byte[] buffer = new byte[READ_BUFFER];
        try (InputStream in = Files.newInputStream(f.source())) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A backup object opened on first use. */
    private final class LazyObject implements AutoCloseable {
        private final String name;
        private BackupObjectOutput out;

        LazyObject(String name) {
            this.name = name;
        }

        BackupObjectOutput open() {
            if (out == null) {
                out = pending.newObject(name, compression, level);
            }
            return out;
        }

        /** The stored object, or null when nothing was written. */
        BackupManifest.BackupObject finish() {
            return out == null ? null : out.finish();
        }

        @Override
        public void close() {
            if (out != null) {
                out.close();
            }
        }
    }
}
