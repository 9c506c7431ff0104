package dev.pgnest.cli;

import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalNotFoundException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves "push PATH" and "fetch NAME PATH" lines on {@code server} from {@code archive} until the
 * socket closes, answering 0, 1 (not archived) or 2: archive_command and restore_command of test
 * clusters talk to the test's own archive without a JVM per file.
 */
public final class WalCommandServer {
    private WalCommandServer() {
    }

    public static void serve(ServerSocket server, WalArchive archive) {
        while (!server.isClosed()) {
            try (Socket s = server.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                String[] w = in.readLine().split(" ");
                int rc = 0;
                try {
                    if (w[0].equals("push")) {
                        archive.push(Path.of(w[1]));
                    } else {
                        Path dest = Path.of(w[2]);
                        archive.fetch(w[1], dest);
                        Files.setOwner(dest, Files.getOwner(dest.getParent()));
                    }
                } catch (WalNotFoundException e) {
                    rc = 1;
                } catch (RuntimeException e) {
                    rc = 2;
                }
                s.getOutputStream().write((rc + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                // closed
            }
        }
    }
}
