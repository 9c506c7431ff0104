package dev.pgnest.storage.fs;

import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectKeys;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory. A write goes to a temporary file next to its
 * target, is fsynced, renamed over the target (atomic on POSIX file systems) and the directory
 * is fsynced, so after a crash a key holds either the old object, the new one, or nothing —
 * never a torn file. Temporary files carry a {@code #} (never valid in a key), which is how
 * listings skip them and {@link #listIncomplete} finds them.
 */
public final class FsStorage implements Storage {
    private static final String TEMP_MARK = "#";
    private static final String TEMP_SUFFIX = ".pgnest-tmp";

    private final Path root;

    FsStorage(Path root) {
        this.root = root;
    }

    @Override
    public StorageOutput create(String key) {
        Path target = resolve(key);
        Path temp = target.resolveSibling(target.getFileName() + TEMP_MARK
                + UUID.randomUUID().toString().substring(0, 8) + TEMP_SUFFIX);
        try {
            createDirectories(target.getParent());
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            return new FsOutput(key, target, temp, channel);
        } catch (IOException e) {
            throw StorageException.io("create", location(key), e);
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) {
        Path file = resolve(key);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            long size = channel.size();
            long start = Math.min(Math.max(offset, 0), size);
            long end = length < 0 ? size : Math.min(size, start + length);
            channel.position(start);
            return new RangeInputStream(Channels.newInputStream(channel), end - start);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key, location(key));
        } catch (IOException e) {
            throw StorageException.io("read", location(key), e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Path file = resolve(key);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw StorageException.io("stat", location(key), e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        List<ObjectInfo> result = new ArrayList<>();
        walk(prefix, (key, attrs) -> {
            if (!key.contains(TEMP_MARK) && key.startsWith(prefix)) {
                result.add(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
            }
        });
        result.sort((a, b) -> a.key().compareTo(b.key()));
        return result;
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        ObjectKeys.checkDirectory(prefix);
        TreeSet<String> result = new TreeSet<>();
        walk(prefix, (key, attrs) -> {
            if (!key.contains(TEMP_MARK) && key.startsWith(prefix)) {
                int slash = key.indexOf('/', prefix.length());
                if (slash > 0) {
                    result.add(key.substring(0, slash + 1));
                }
            }
        });
        return new ArrayList<>(result);
    }

    @Override
    public void delete(String key) {
        Path file = resolve(key);
        if (Files.isDirectory(file)) {
            return; // only a key prefix here, no object
        }
        try {
            Files.deleteIfExists(file);
            pruneEmptyParents(file.getParent());
        } catch (IOException e) {
            throw StorageException.io("delete", location(key), e);
        }
    }

    @Override
    public List<IncompleteWrite> listIncomplete(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        List<IncompleteWrite> result = new ArrayList<>();
        walk(prefix, (relative, attrs) -> {
            int mark = relative.lastIndexOf(TEMP_MARK);
            if (mark > 0 && relative.endsWith(TEMP_SUFFIX) && relative.indexOf('/', mark) < 0) {
                String key = relative.substring(0, mark);
                if (key.startsWith(prefix)) {
                    result.add(new IncompleteWrite(key, relative, attrs.lastModifiedTime().toInstant()));
                }
            }
        });
        result.sort((a, b) -> a.id().compareTo(b.id()));
        return result;
    }

    @Override
    public void abort(IncompleteWrite write) {
        String id = write.id();
        if (!id.startsWith(write.key() + TEMP_MARK) || !id.endsWith(TEMP_SUFFIX) || id.contains("..")) {
            throw new IllegalArgumentException("not an incomplete write of this storage: " + id);
        }
        Path temp = root.resolve(id).normalize();
        try {
            Files.deleteIfExists(temp);
            pruneEmptyParents(temp.getParent());
        } catch (IOException e) {
            throw StorageException.io("delete", temp.toString(), e);
        }
    }

    @Override
    public String location(String key) {
        return root.resolve(key).toString();
    }

    @Override
    public void close() {
        // nothing held between calls
    }

    private Path resolve(String key) {
        return root.resolve(ObjectKeys.check(key));
    }

    private interface Visitor {
        void visit(String relativeKey, BasicFileAttributes attrs);
    }

    /** Visits regular files below the deepest directory the prefix names. */
    private void walk(String prefix, Visitor visitor) {
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start)) {
            return;
        }
        try (Stream<Path> files = Files.walk(start)) {
            files.forEach(path -> {
                try {
                    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
                    if (attrs.isRegularFile()) {
                        visitor.visit(relativeKey(path), attrs);
                    }
                } catch (NoSuchFileException e) {
                    // deleted while we walked: it is simply not listed
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            if (cause instanceof NoSuchFileException) {
                return; // a directory vanished under a concurrent delete
            }
            throw StorageException.io("list", location(prefix.isEmpty() ? "." : prefix), (Exception) cause);
        }
    }

    private String relativeKey(Path path) {
        Path relative = root.relativize(path);
        StringBuilder key = new StringBuilder();
        for (Path part : relative) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(part);
        }
        return key.toString();
    }

    /** Creates missing directories and fsyncs each new one's parent, so the new entries survive a crash. */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(p);
        }
        Collections.reverse(missing);
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
            }
            fsyncDirectory(p.getParent());
        }
    }

    private void pruneEmptyParents(Path dir) {
        for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            } catch (IOException e) {
                return; // best effort: an empty directory is harmless
            }
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private final class FsOutput extends StorageOutput {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private long size;
        private boolean done;

        FsOutput(String key, Path target, Path temp, FileChannel channel) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (done) {
                throw new IOException("write after commit or close of " + location(key));
            }
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += len;
        }

        @Override
        public long commit() {
            if (done) {
                throw new IllegalStateException("already committed or closed: " + location(key));
            }
            try {
                channel.force(true);
                channel.close();
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException e) {
                    // a concurrent delete pruned the (then empty) directory: recreate and retry once
                    if (!Files.exists(temp)) {
                        throw e;
                    }
                    createDirectories(target.getParent());
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new StorageException("the file system of " + root + " cannot rename atomically",
                            "use a local POSIX file system for a filesystem repository", e);
                }
                fsyncDirectory(target.getParent());
                done = true;
                return size;
            } catch (IOException e) {
                close();
                throw StorageException.io("write", location(key), e);
            }
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } catch (IOException e) {
                // closing for an abort: the delete below is what matters
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // left for repo check: it shows as an incomplete write
            }
        }
    }

    /** Stops after {@code remaining} bytes: a ranged read. */
    private static final class RangeInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        RangeInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
