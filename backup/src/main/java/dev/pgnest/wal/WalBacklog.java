package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * WAL files acknowledged to PostgreSQL but not yet stored in one repository of several, kept in
 * the local spool ({@code <spool>/backlog/<target>/<repository>/<file>}) until a push finds the
 * repository reachable again. A file is copied and fsynced here before the push that queues it
 * returns: PostgreSQL may recycle its own copy as soon as it is acknowledged.
 *
 * <p>Several pushes may run at once (the service's threads, archive_command processes): adding
 * is a rename into place, draining is done by whoever holds the directory's lock, the others
 * skip it.
 */
public final class WalBacklog {
    static final String DIR = "backlog";
    private static final String LOCK = ".lock";
    private static final String TMP = ".tmp-";

    private final Path dir;
    private final String repository;

    private WalBacklog(Path dir, String repository) {
        this.dir = dir;
        this.repository = repository;
    }

    static WalBacklog in(WalSpool spool, String target, String repository) {
        return new WalBacklog(spool.root().resolve(DIR).resolve(target).resolve(repository), repository);
    }

    /** How far a repository is behind: files queued and when the oldest was queued. */
    public record State(int files, long bytes, Optional<Instant> oldest, Optional<String> firstFile) {
        public boolean empty() {
            return files == 0;
        }
    }

    public Path directory() {
        return dir;
    }

    public boolean isEmpty() {
        return queued().isEmpty();
    }

    /** The queued files, oldest WAL first (WAL names sort in archive order within a timeline). */
    List<Path> queued() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && WalFileName.classify(name).isPresent()) {
                    files.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw unusable(e);
        }
        files.sort(null);
        return files;
    }

    public State state() {
        List<Path> files = queued();
        long bytes = 0;
        Instant oldest = null;
        for (Path p : files) {
            try {
                bytes += Files.size(p);
                Instant t = Files.getLastModifiedTime(p).toInstant();
                oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
            } catch (IOException e) {
                // drained meanwhile
            }
        }
        return new State(files.size(), bytes, Optional.ofNullable(oldest),
                files.isEmpty() ? Optional.empty() : Optional.of(files.get(0).getFileName().toString()));
    }

    /** Copies {@code file} in, durably (file and directory fsynced), under its own name. */
    void add(Path file) {
        String name = file.getFileName().toString();
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(TMP + name);
            try (InputStream in = Files.newInputStream(file);
                 FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                in.transferTo(java.nio.channels.Channels.newOutputStream(out));
                out.force(true);
            }
            try {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw unusable(e);
        }
    }

    /**
     * Offers queued files, oldest first, to {@code push} until it returns false or {@code max}
     * were pushed; a pushed file is removed. Returns at once when another push drains.
     *
     * @return files pushed and removed
     */
    int drain(int max, Predicate<Path> push) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(lockFile)) {
            if (lock == null) {
                return 0;
            }
            int done = 0;
            for (Path p : queued()) {
                if (done >= max || !push.test(p)) {
                    break;
                }
                Files.deleteIfExists(p);
                done++;
            }
            return done;
        } catch (IOException e) {
            throw unusable(e);
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // another thread of this process drains
        }
    }

    private PgnestException unusable(IOException e) {
        return new PgnestException(ErrorKind.CONFIG, "cannot queue WAL for repository " + repository + " in " + dir
                + ": " + e.getMessage(), "wal.spool-dir must be a local directory the server's OS user can write, with room "
                + "for the WAL an unreachable repository misses", e);
    }
}
