package dev.pgnest.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 proxy between the AWS SDK and an S3 server that fails a share of requests
 * (spread evenly: at 10%, every tenth request), for
 * reliability tests: either before forwarding (503 SlowDown or 500 InternalError, the request
 * never reaches the server) or after (the server did the work, the client sees a 500 — a lost
 * response). Also counts requests and the most UploadPart requests in flight at once.
 *
 * <p>It speaks just enough HTTP for the SDK: Content-Length and chunked bodies, keep-alive, and
 * {@code Expect: 100-continue}, which it answers itself (the header is not signed by SigV4).
 */
public final class FaultInjectingProxy implements AutoCloseable {
    private final URI upstream;
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Random random;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile double faultRate;
    private volatile double lostResponseShare;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger faults = new AtomicInteger();
    private final AtomicInteger uploadsInFlight = new AtomicInteger();
    private final AtomicInteger maxUploadsInFlight = new AtomicInteger();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicReference<java.util.function.Predicate<String>> loseOnce =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * @param faultRate         share of requests that fail (0..1)
     * @param lostResponseShare of the failures, the share that are forwarded first (lost responses)
     */
    public FaultInjectingProxy(URI upstream, double faultRate, double lostResponseShare, long seed) throws IOException {
        this.upstream = upstream;
        this.faultRate = faultRate;
        this.lostResponseShare = lostResponseShare;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::accept);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void faultRate(double rate) {
        this.faultRate = rate;
    }

    /** The next request whose first line matches is forwarded, and its response replaced by a 500. */
    public void loseResponseOnce(java.util.function.Predicate<String> requestLine) {
        loseOnce.set(requestLine);
    }

    /** Requests matching are answered with this error instead of being forwarded (until cleared with null). */
    public void answerWith(java.util.function.Predicate<String> requestLine, int status, String code) {
        answer.set(requestLine == null ? null : new Answer(requestLine, status, code));
    }

    private record Answer(java.util.function.Predicate<String> requestLine, int status, String code) {
    }

    private final java.util.concurrent.atomic.AtomicReference<Answer> answer =
            new java.util.concurrent.atomic.AtomicReference<>();

    public int requests() {
        return requests.get();
    }

    public int faults() {
        return faults.get();
    }

    public int maxUploadsInFlight() {
        return maxUploadsInFlight.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                synchronized (sockets) {
                    sockets.add(client);
                }
                pool.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket up = null;
        try (client) {
            InputStream cin = new BufferedInputStream(client.getInputStream());
            OutputStream cout = client.getOutputStream();
            InputStream uin = null;
            OutputStream uout = null;
            while (true) {
                Head request = Head.read(cin);
                if (request == null) {
                    return;
                }
                int number = requests.incrementAndGet();
                if ("100-continue".equalsIgnoreCase(request.header("expect"))) {
                    cout.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    cout.flush();
                    request.remove("expect");
                }
                byte[] body = readBody(cin, request, false);
                boolean upload = request.firstLine.startsWith("PUT ") && request.firstLine.contains("partNumber=");
                if (upload) {
                    int now = uploadsInFlight.incrementAndGet();
                    maxUploadsInFlight.accumulateAndGet(now, Math::max);
                }
                try {
                    Answer canned = answer.get();
                    if (canned != null && canned.requestLine().test(request.firstLine)) {
                        writeError(cout, canned.status(), canned.code());
                        continue;
                    }
                    double kind;
                    synchronized (random) {
                        kind = random.nextDouble();
                    }
                    // spread evenly: exactly one request in 1/rate fails, so counts do not depend on luck
                    double rate = faultRate;
                    boolean fault = Math.floor(number * rate) > Math.floor((number - 1) * rate);
                    boolean afterForward = fault && kind < lostResponseShare;
                    java.util.function.Predicate<String> once = loseOnce.get();
                    if (once != null && once.test(request.firstLine) && loseOnce.compareAndSet(once, null)) {
                        fault = true;
                        afterForward = true;
                    }
                    if (fault && !afterForward) {
                        faults.incrementAndGet();
                        writeError(cout, kind < 0.5 ? 503 : 500);
                        continue;
                    }
                    if (up == null) {
                        up = new Socket(upstream.getHost(), upstream.getPort());
                        uin = new BufferedInputStream(up.getInputStream());
                        uout = up.getOutputStream();
                    }
                    request.write(uout);
                    uout.write(body);
                    uout.flush();
                    Head response;
                    do {
                        response = Head.read(uin);
                        if (response == null) {
                            return;
                        }
                    } while (response.status() / 100 == 1);
                    boolean noBody = request.firstLine.startsWith("HEAD ") || response.status() == 204
                            || response.status() == 304;
                    byte[] responseBody = noBody ? new byte[0] : readBody(uin, response, true);
                    if (afterForward) {
                        faults.incrementAndGet();
                        writeError(cout, 500);
                        continue;
                    }
                    response.write(cout);
                    cout.write(responseBody);
                    cout.flush();
                } finally {
                    if (upload) {
                        uploadsInFlight.decrementAndGet();
                    }
                }
            }
        } catch (IOException e) {
            // a side hung up; the SDK retries on a new connection
        } finally {
            if (up != null) {
                try {
                    up.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }
    }

    private static void writeError(OutputStream out, int status) throws IOException {
        writeError(out, status, status == 503 ? "SlowDown" : "InternalError");
    }

    private static void writeError(OutputStream out, int status, String code) throws IOException {
        String reason = status == 503 ? "Slow Down" : status == 404 ? "Not Found" : "Internal Server Error";
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>injected fault</Message><RequestId>fault</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** The body as raw bytes (chunked bodies keep their chunk framing, as the headers say). */
    private static byte[] readBody(InputStream in, Head head, boolean response) throws IOException {
        String length = head.header("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.strip()));
        }
        if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                raw.writeBytes((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
                int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
                if (size == 0) {
                    String trailer;
                    do {
                        trailer = readLine(in);
                        raw.writeBytes((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    } while (!trailer.isEmpty());
                    return raw.toByteArray();
                }
                raw.writeBytes(in.readNBytes(size));
                raw.writeBytes(in.readNBytes(2));
            }
        }
        if (response) {
            // no length, not chunked: body until the server closes
            return in.readAllBytes();
        }
        return new byte[0];
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new IOException("truncated line");
    }

    /** A request or response head: first line and headers in order. */
    private static final class Head {
        final String firstLine;
        final Map<String, String> headers = new LinkedHashMap<>();

        Head(String firstLine) {
            this.firstLine = firstLine;
        }

        static Head read(InputStream in) throws IOException {
            String first = readLine(in);
            if (first == null) {
                return null;
            }
            Head head = new Head(first);
            for (String line; !(line = readLine(in)).isEmpty(); ) {
                int colon = line.indexOf(':');
                head.headers.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
            return head;
        }

        String header(String name) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey().toLowerCase(Locale.ROOT).equals(name)) {
                    return e.getValue();
                }
            }
            return null;
        }

        void remove(String name) {
            headers.keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).equals(name));
        }

        int status() {
            return Integer.parseInt(firstLine.split(" ")[1]);
        }

        void write(OutputStream out) throws IOException {
            StringBuilder b = new StringBuilder(firstLine).append("\r\n");
            headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
            b.append("\r\n");
            out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        pool.shutdownNow();
    }
}
