package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.BrokenDownloadException;
import dev.pgnest.storage.Storage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Rebuilds a data directory from a physical backup: directories, tablespace links, every
 * file — each object's SHA-256 and each file's SHA-256 checked before the restore counts as
 * done. What comes after (recovery settings, starting the server) is the restore command's.
 * This is the one reader of what {@link PhysicalBackup} writes.
 */
public final class PhysicalRestore {
    /**
     * A file in a data directory whose restore has not finished (written first, removed by the
     * restore command once recovery is done): a rerun may empty such a directory, and nothing
     * else pgnest finds in a data directory is ever deleted.
     */
    public static final String INCOMPLETE_MARKER = "pgnest.restore-incomplete";
    /** pg_control is written under this name and renamed last, so a half-restored directory cannot start. */
    private static final String PG_CONTROL = "global/pg_control";
    private static final String PG_CONTROL_PARTIAL = PG_CONTROL + ".pgnest-partial";

    /** What was restored. */
    public record Result(int files, long bytes, List<PhysicalFiles.TablespaceEntry> tablespaces) {
    }

    private final Repository repository;
    private final BackupManifest manifest;

    public PhysicalRestore(Repository repository, BackupManifest manifest) {
        if (manifest.kind() != BackupKind.PHYSICAL) {
            throw new PgnestException(ErrorKind.USAGE, "backup " + manifest.id() + " is a " + manifest.kind() + " backup",
                    "choose a physical backup for a data directory restore");
        }
        this.repository = repository;
        this.manifest = manifest;
    }

    /** The backup's file list (verified against the manifest). */
    public PhysicalFiles files() {
        BackupManifest.BackupObject object = object(PhysicalFiles.OBJECT_NAME + manifest.compression().extension());
        try (InputStream in = open(object)) {
            byte[] json = in.readAllBytes();
            return RepositoryJson.read(json, PhysicalFiles.class, location(object.name()));
        } catch (BrokenDownloadException e) {
            throw e.toStorageException(); // the network failed, not the backup
        } catch (IOException e) {
            throw damaged(object.name(), e.getMessage());
        }
    }

    /**
     * The backups a restore of this one reads, the full one first (only this one for a full
     * backup); refuses when a piece is missing or known to be damaged. Call it before touching
     * the destination: {@link #restoreTo} checks again, but after its caller's preparations.
     */
    public List<BackupManifest> checkChain() {
        return BackupChain.assemble(repository, manifest);
    }

    /**
     * Writes the backup into {@code dataDirectory}, which must be empty or absent. A diff or
     * incr backup is rebuilt from its chain: the full backup's files, then each later piece's
     * changes over them (files it does not list removed, changed pages written over the file).
     *
     * @param tablespaceLocations new locations by tablespace oid; others go back where they were
     * @param parallelism         objects downloaded at once
     */
    public Result restoreTo(Path dataDirectory, Map<String, Path> tablespaceLocations, int parallelism) {
        List<PhysicalRestore> layers = new ArrayList<>();
        for (BackupManifest piece : checkChain()) {
            layers.add(piece.id().equals(manifest.id()) ? this : new PhysicalRestore(repository, piece));
        }
        List<PhysicalFiles> lists = new ArrayList<>();
        for (PhysicalRestore layer : layers) {
            lists.add(layer.files());
        }
        PhysicalFiles files = lists.get(lists.size() - 1);
        prepareEmpty(dataDirectory);
        Map<String, Path> tablespaces = new LinkedHashMap<>();
        for (PhysicalFiles.TablespaceEntry t : files.tablespaces()) {
            Path location = tablespaceLocations.getOrDefault(t.oid(), Path.of(t.location()));
            prepareEmpty(location);
            tablespaces.put(t.oid(), location);
        }
        try {
            // links first: the tablespaces' directories are created through them
            Files.createDirectories(dataDirectory.resolve("pg_tblspc"));
            for (Map.Entry<String, Path> t : tablespaces.entrySet()) {
                Files.createSymbolicLink(dataDirectory.resolve("pg_tblspc").resolve(t.getKey()), t.getValue());
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create the directories of " + dataDirectory + ": " + e.getMessage(),
                    "check permissions and free space", e);
        }
        try (FileSync sync = new FileSync(parallelism)) {
            for (int i = 0; i < layers.size(); i++) {
                if (i > 0) {
                    removeDropped(lists.get(i - 1), lists.get(i), dataDirectory);
                }
                layers.get(i).extractAll(lists.get(i), dataDirectory, parallelism, sync);
            }
            sync.awaitAll();
        }
        if (!files.tablespaces().isEmpty()) {
            rewriteTablespaceMap(dataDirectory, tablespaces);
        }
        try {
            if (Files.exists(dataDirectory.resolve(PG_CONTROL_PARTIAL))) {
                Files.move(dataDirectory.resolve(PG_CONTROL_PARTIAL), dataDirectory.resolve(PG_CONTROL),
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot put pg_control in place in " + dataDirectory + ": " + e.getMessage(),
                    "check permissions and free space, then restore again", e);
        }
        return new Result(files.files().size(), files.totalBytes(), files.tablespaces());
    }

    /** A later piece of a chain does not list the files dropped since the one before: remove them. */
    private static void removeDropped(PhysicalFiles before, PhysicalFiles after, Path dataDirectory) {
        Set<String> kept = new HashSet<>();
        after.files().forEach(f -> kept.add(f.path()));
        for (PhysicalFiles.FileEntry f : before.files()) {
            if (!kept.contains(f.path())) {
                Path target = dataDirectory.resolve(f.path().equals(PG_CONTROL) ? PG_CONTROL_PARTIAL : f.path());
                try {
                    Files.deleteIfExists(target);
                } catch (IOException e) {
                    throw cannotWrite(target, e);
                }
            }
        }
    }

    /** This backup's directories and files over what {@code dataDirectory} holds (nothing, or the pieces before it). */
    private void extractAll(PhysicalFiles files, Path dataDirectory, int parallelism, FileSync sync) {
        try {
            for (String dir : files.directories()) {
                if (!Files.isDirectory(dataDirectory.resolve(dir))) {
                    Files.createDirectories(dataDirectory.resolve(dir));
                }
            }
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot create the directories of " + dataDirectory + ": " + e.getMessage(),
                    "check permissions and free space", e);
        }
        Map<String, List<PhysicalFiles.FileEntry>> byObject = new LinkedHashMap<>();
        List<PhysicalFiles.FileEntry> nothingStored = new ArrayList<>();
        for (PhysicalFiles.FileEntry f : files.files()) {
            if (f.object() == null) {
                nothingStored.add(f);
            } else {
                byObject.computeIfAbsent(f.object(), o -> new ArrayList<>()).add(f);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), r -> {
            Thread t = new Thread(r, "pgnest-restore-files");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> work = new ArrayList<>();
            for (Map.Entry<String, List<PhysicalFiles.FileEntry>> e : byObject.entrySet()) {
                work.add(pool.submit(() -> extract(e.getKey(), e.getValue(), dataDirectory, sync)));
            }
            awaitAll(work, "restore failed");
        } finally {
            pool.shutdownNow();
        }
        for (PhysicalFiles.FileEntry f : nothingStored) {
            // unchanged since the piece before, or pages without a change: the file is there already
            Path target = existing(dataDirectory, f);
            if (PhysicalFiles.FileEntry.PAGES.equals(f.change())) {
                resize(target, f.size());
            }
        }
    }

    /** Waits for every task; the first failure is thrown as it was (or as {@code failed}: its cause). */
    static void awaitAll(List<Future<?>> work, String failed) {
        try {
            for (Future<?> f : work) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "restore interrupted", "run it again into an empty directory");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new PgnestException(ErrorKind.TOOL, failed + ": " + e.getCause(), "see the log", e.getCause());
        }
    }

    /** The file a change applies to, as the pieces before left it. */
    private Path existing(Path dataDirectory, PhysicalFiles.FileEntry f) {
        Path target = dataDirectory.resolve(f.path().equals(PG_CONTROL) ? PG_CONTROL_PARTIAL : f.path());
        if (!Files.isRegularFile(target)) {
            throw damaged(PhysicalFiles.OBJECT_NAME + manifest.compression().extension(), f.path()
                    + " is listed as " + f.change() + " but the backups it depends on do not hold it");
        }
        return target;
    }

    private static void resize(Path target, long size) {
        try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
            file.setLength(size);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    /** One object: files back to back in offset order, each checked against its SHA-256. */
    private void extract(String objectName, List<PhysicalFiles.FileEntry> entries, Path dataDirectory, FileSync sync) {
        // an empty file shares its offset with the next one: it goes first
        entries.sort(Comparator.comparingLong(PhysicalFiles.FileEntry::offset)
                .thenComparingLong(PhysicalFiles.FileEntry::storedBytes));
        BackupManifest.BackupObject object = object(objectName);
        byte[] buffer = new byte[1 << 18];
        try (InputStream in = open(object)) {
            long position = 0;
            for (PhysicalFiles.FileEntry f : entries) {
                if (f.offset() < position) {
                    throw damaged(objectName, "files overlap at " + f.path());
                }
                in.skipNBytes(f.offset() - position);
                if (PhysicalFiles.FileEntry.PAGES.equals(f.change())) {
                    Path target = existing(dataDirectory, f);
                    applyPages(in, f, target, objectName);
                    sync.submit(target);
                    position = f.offset() + f.storedBytes();
                    continue;
                }
                Path target = dataDirectory.resolve(f.path().equals(PG_CONTROL) ? PG_CONTROL_PARTIAL : f.path());
                MessageDigest sha = PhysicalBackup.sha256();
                OutputStream out = null;
                try {
                    try {
                        out = Files.newOutputStream(target);
                    } catch (IOException e) {
                        throw cannotWrite(target, e);
                    }
                    long left = f.size();
                    while (left > 0) {
                        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                        if (n < 0) {
                            throw damaged(objectName, f.path() + " is cut short");
                        }
                        sha.update(buffer, 0, n);
                        write(out, buffer, n, target);
                        left -= n;
                    }
                } finally {
                    close(out, target);
                }
                if (!HexFormat.of().formatHex(sha.digest()).equals(f.sha256())) {
                    throw damaged(objectName, f.path() + " does not match its SHA-256");
                }
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
                Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.fromMillis(f.modified()));
                sync.submit(target);
                position = f.offset() + f.size();
            }
            in.transferTo(OutputStream.nullOutputStream()); // to the end, so the object's checksum is checked
        } catch (BrokenDownloadException e) {
            throw e.toStorageException(); // the network failed, not the backup
        } catch (IOException e) {
            throw damaged(objectName, e.getMessage());
        }
    }

    /** Writes the stored pages over the file the pieces before left, then cuts or extends it to its size. */
    private void applyPages(InputStream in, PhysicalFiles.FileEntry f, Path target, String objectName) throws IOException {
        if (f.storedBytes() % PageDelta.RECORD != 0) {
            throw damaged(objectName, f.path() + " has " + f.storedBytes() + " bytes of pages, not whole pages");
        }
        MessageDigest sha = PhysicalBackup.sha256();
        byte[] record = new byte[PageDelta.RECORD];
        try (FileChannel file = open(target)) {
            for (long left = f.storedBytes(); left > 0; left -= PageDelta.RECORD) {
                if (in.readNBytes(record, 0, PageDelta.RECORD) < PageDelta.RECORD) {
                    throw damaged(objectName, f.path() + " is cut short");
                }
                sha.update(record);
                long block = ByteBuffer.wrap(record, 0, 4).getInt() & 0xFFFFFFFFL;
                ByteBuffer page = ByteBuffer.wrap(record, 4, PageDelta.PAGE);
                long at = block * PageDelta.PAGE;
                while (page.hasRemaining()) {
                    try {
                        at += file.write(page, at);
                    } catch (IOException e) {
                        throw cannotWrite(target, e);
                    }
                }
            }
            if (!HexFormat.of().formatHex(sha.digest()).equals(f.sha256())) {
                throw damaged(objectName, f.path() + " does not match its SHA-256");
            }
            try {
                if (file.size() > f.size()) {
                    file.truncate(f.size());
                }
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
        if (Files.size(target) < f.size()) {
            resize(target, f.size());
        }
        Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.fromMillis(f.modified()));
    }

    private static FileChannel open(Path target) {
        try {
            return FileChannel.open(target, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    // a full or read-only disk is the destination's problem, not a damaged backup: say so
    private static void write(OutputStream out, byte[] buffer, int n, Path target) {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    private static void close(OutputStream out, Path target) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
    }

    private static PgnestException cannotWrite(Path target, IOException e) {
        return new PgnestException(ErrorKind.TOOL, "cannot write " + target + ": " + e.getMessage(),
                "free space on that file system or restore into another directory, then run the restore again", e);
    }

    /** Opens an object, decompressed; at its end the stored bytes' SHA-256 is compared with the manifest. */
    private InputStream open(BackupManifest.BackupObject object) throws IOException {
        Storage storage = repository.storage();
        String key = RepositoryLayout.backupObjectKey(manifest.target(), manifest.id(), object.name());
        MessageDigest sha = PhysicalBackup.sha256();
        InputStream raw = new FilterInputStream(storage.get(key)) {
            private boolean checked;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    sha.update(b, off, n);
                } else if (n < 0 && !checked) {
                    checked = true;
                    if (!HexFormat.of().formatHex(sha.digest()).equals(object.sha256())) {
                        throw new IOException("stored bytes do not match the manifest's SHA-256");
                    }
                }
                return n;
            }
        };
        return object.compression().decompress(raw);
    }

    private BackupManifest.BackupObject object(String name) {
        return manifest.objects().stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseThrow(() -> damaged(name, "the manifest does not list it"));
    }

    private void rewriteTablespaceMap(Path dataDirectory, Map<String, Path> tablespaces) {
        StringBuilder map = new StringBuilder();
        tablespaces.forEach((oid, location) -> map.append(oid).append(' ').append(location).append('\n'));
        try {
            Files.writeString(dataDirectory.resolve("tablespace_map"), map, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot write tablespace_map: " + e.getMessage(), "check the disk", e);
        }
    }

    private static void prepareEmpty(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(dir,
                        p -> !p.getFileName().toString().equals(INCOMPLETE_MARKER))) {
                    if (s.iterator().hasNext()) {
                        throw new PgnestException(ErrorKind.USAGE, dir + " is not empty",
                                "restore into an empty or new directory; pgnest never overwrites a data directory");
                    }
                }
            } else {
                Files.createDirectories(dir);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot prepare " + dir + ": " + e.getMessage(), "check permissions", e);
        }
    }

    private String location(String objectName) {
        return repository.storage().location(RepositoryLayout.backupObjectKey(manifest.target(), manifest.id(), objectName));
    }

    private PgnestException damaged(String objectName, String why) {
        return new PgnestException(ErrorKind.INTEGRITY, "backup " + manifest.id() + " is damaged: " + location(objectName) + ": " + why,
                "restore another backup, and run pgnest backup verify on this one");
    }

    static Compression compressionOf(String name) {
        return Compression.ofName(name);
    }
}
