package dev.pgnest.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drains a child's stderr on its own thread (so the child never blocks on a full pipe) and
 * keeps the last {@code limit} bytes for the error message.
 */
public final class StreamCollector {
    private final Thread thread;
    private final byte[] tail;
    private long total;

    private StreamCollector(InputStream in, int limit) {
        this.tail = new byte[limit];
        this.thread = new Thread(() -> drain(in), "pgnest-stderr");
        thread.setDaemon(true);
    }

    public static StreamCollector start(InputStream in, int limit) {
        StreamCollector c = new StreamCollector(in, limit);
        c.thread.start();
        return c;
    }

    private void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        tail[(int) (total++ % tail.length)] = buf[i];
                    }
                }
            }
        } catch (IOException e) {
            // the child went away; what was read is what there is
        }
    }

    /** Everything collected (its last {@code limit} bytes), after the stream ended, trimmed. */
    public String text() {
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            int len = (int) Math.min(total, tail.length);
            byte[] out = new byte[len];
            long start = total - len;
            for (int i = 0; i < len; i++) {
                out[i] = tail[(int) ((start + i) % tail.length)];
            }
            String s = new String(out, StandardCharsets.UTF_8).strip();
            return total > tail.length ? "…" + s : s;
        }
    }
}
