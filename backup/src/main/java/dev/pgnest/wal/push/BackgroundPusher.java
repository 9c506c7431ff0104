package dev.pgnest.wal.push;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push endpoint of {@link WalPushService}, run by a detached process the launcher starts
 * when {@code wal push} finds no endpoint, as pgBackRest's asynchronous archive-push starts its
 * own: one per spool directory (the process holding {@value #LOCK_FILE}, which holds its pid),
 * gone after {@code idleExit} without a push. The acknowledgement rule is the service's: a
 * push is answered only once the segment is stored. Killed at any point, it loses nothing
 * acknowledged; the lock dies with it and the next push starts another.
 */
public final class BackgroundPusher {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundPusher.class);
    public static final String LOCK_FILE = "pusher.lock";
    /** A pusher started while the previous one is withdrawing waits this long for its lock. */
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private BackgroundPusher() {
    }

    /**
     * Serves pushes into {@code archive} (each of the target's repositories) from the endpoint
     * published in {@code spool}, the pusher's own directory, until no push came for
     * {@code idleExit} or {@code stop} is released.
     *
     * @return false when another pusher holds the spool (this one served nothing)
     */
    public static boolean serve(WalArchives archive, WalSpool spool, int parallelism, Duration idleExit, CountDownLatch stop)
            throws InterruptedException {
        spool.create();
        Path lockFile = spool.root().resolve(LOCK_FILE);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = acquire(channel, stop)) {
            if (lock == null) {
                LOG.info("another pusher holds {}: leaving the spool to it", lockFile);
                return false;
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            try (WalPushService service = WalPushService.start(archive, spool, 0, parallelism)) {
                long tick = Math.max(50, Math.min(1000, idleExit.toMillis() / 4));
                while (!stop.await(tick, TimeUnit.MILLISECONDS)) {
                    if (service.idleFor().compareTo(idleExit) >= 0) {
                        break;
                    }
                }
                LOG.info("background pusher exits after {} pushes ({} uploaded)", service.acknowledged(), service.uploaded());
            }
            // the endpoint is withdrawn and uploads in flight finished before the lock goes
            return true;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot lock " + lockFile + ": " + e.getMessage(),
                    "set wal.spool-dir to a directory this OS user owns");
        }
    }

    private static FileLock acquire(FileChannel channel, CountDownLatch stop) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        do {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // held in this JVM (an in-process test's other pusher): the same as another process
            }
        } while (System.nanoTime() < deadline && !stop.await(100, TimeUnit.MILLISECONDS));
        return null;
    }
}
