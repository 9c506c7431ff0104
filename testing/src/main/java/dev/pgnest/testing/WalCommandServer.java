package dev.pgnest.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * archive_command and restore_command for tests, served in the test JVM by the test's own WAL
 * archive: the server's shell sends one line over bash's /dev/tcp and waits for the exit
 * status (0, 1 for "not archived", 2). The same module API as {@code pgnest wal push|fetch},
 * without a JVM start per WAL file.
 *
 * <pre>{@code
 * WalCommandServer wal = new WalCommandServer(archive::push, archive::fetch, WalNotFoundException.class);
 * PostgresCluster.builder().setting("archive_command", wal.archiveCommand()) ...
 * }</pre>
 */
public final class WalCommandServer implements AutoCloseable {
    /** Stores a WAL file (its result, if any, is ignored). */
    @FunctionalInterface
    public interface Push {
        Object push(Path file) throws Exception;
    }

    /** Writes WAL file {@code name} to {@code destination} (its result, if any, is ignored). */
    @FunctionalInterface
    public interface Fetch {
        Object fetch(String name, Path destination) throws Exception;
    }

    private final Push push;
    private final Fetch fetch;
    private final Class<? extends Exception> notArchived;
    private final ServerSocket socket;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "wal-command-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger fetched = new AtomicInteger();

    /** @param notArchived what {@code fetch} throws for a file the archive does not have */
    public WalCommandServer(Push push, Fetch fetch, Class<? extends Exception> notArchived) {
        this.push = push;
        this.fetch = fetch;
        this.notArchived = notArchived;
        try {
            this.socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pool.submit(this::acceptLoop);
    }

    /** archive_command: pushes {@code $PWD/%p}. */
    public String archiveCommand() {
        return "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + socket.getLocalPort()
                + "; echo \"push $PWD/$0\" >&3; read -r rc <&3; exit ${rc:-1}' %p";
    }

    /** restore_command: fetches %f to {@code $PWD/%p}. */
    public String restoreCommand() {
        return "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + socket.getLocalPort()
                + "; echo \"fetch $0 $PWD/$1\" >&3; read -r rc <&3; exit ${rc:-1}' %f %p";
    }

    /**
     * Writes an executable stand-in for the pgnest launcher to {@code path} that serves only
     * {@code ... wal fetch F P} (its last two arguments), for commands that hand PostgreSQL
     * {@code <launcher> wal fetch %f %p} as restore_command.
     */
    public Path writeFetchLauncher(Path path) throws IOException {
        Files.writeString(path, "#!/bin/bash\n# test stand-in for the pgnest launcher: only 'wal fetch F P'\n"
                + "f=\"${@: -2:1}\"; p=\"${@: -1}\"\n"
                + "exec 3<>/dev/tcp/127.0.0.1/" + socket.getLocalPort() + "\n"
                + "echo \"fetch $f $PWD/$p\" >&3; read -r rc <&3; exit ${rc:-1}\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }

    /** How many fetches succeeded. */
    public int fetched() {
        return fetched.get();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                pool.submit(() -> handle(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = s.getOutputStream()) {
            String[] words = in.readLine().split(" ");
            int rc;
            try {
                if (words[0].equals("push")) {
                    push.push(Path.of(words[1]));
                } else {
                    Path dest = Path.of(words[2]);
                    fetch.fetch(words[1], dest);
                    // the server may run as another OS user: the file must be its own
                    Files.setOwner(dest, Files.getOwner(dest.getParent()));
                    fetched.incrementAndGet();
                }
                rc = 0;
            } catch (Exception e) {
                if (notArchived.isInstance(e)) {
                    rc = 1;
                } else {
                    System.err.println("wal command server: " + e);
                    rc = 2;
                }
            }
            out.write((rc + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            System.err.println("wal command server: " + e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        pool.shutdownNow();
    }
}
