package dev.pgnest.restore.testing;

import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * archive_command and restore_command for tests, served by {@link WalArchive} in the test JVM:
 * the server's shell sends one line over bash's /dev/tcp and waits for the exit status. Same
 * module API as {@code pgnest wal push|fetch}, without a JVM start per WAL file.
 */
public final class WalCommandServer implements AutoCloseable {
    private final WalArchive archive;
    private final ServerSocket socket;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "wal-command-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger fetched = new AtomicInteger();

    public WalCommandServer(WalArchive archive) {
        this.archive = archive;
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
                    archive.push(Path.of(words[1]));
                } else {
                    Path dest = Path.of(words[2]);
                    archive.fetch(words[1], dest);
                    // the server may run as another OS user: the file must be its own
                    Files.setOwner(dest, Files.getOwner(dest.getParent()));
                    fetched.incrementAndGet();
                }
                rc = 0;
            } catch (WalNotFoundException e) {
                rc = 1;
            } catch (RuntimeException e) {
                System.err.println("wal command server: " + e);
                rc = 2;
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
