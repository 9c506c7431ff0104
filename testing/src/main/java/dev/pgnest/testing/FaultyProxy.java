package dev.pgnest.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * An HTTP/1.1 proxy between a client (the AWS SDK) and an upstream server (S3Proxy) that
 * injects the failures real object stores produce: 500 InternalError, 503 SlowDown, a
 * connection reset in the middle of a response body, a truncated body, latency, and a lost
 * response (the server did the work, the client sees a 500) — each at its own rate, from a
 * seeded random source so that a failing trial can be replayed. Instead of rates, {@link
 * #spreadEvenly} fails an exact share of requests (every tenth at 10%), so that counts do not
 * depend on luck; {@link #loseResponseOnce} and {@link #answerWith} script single exchanges.
 * It also counts requests and the most UploadPart requests in flight at once.
 *
 * <p>A reset or a truncation cuts a response body, so only a response that has one can get it
 * (HEAD, PUT and UploadPart responses are empty); each injection is counted when it acts, so
 * {@link #injected(Fault)} never claims a fault that changed nothing.
 *
 * <p>It understands just enough HTTP to find message boundaries (Content-Length, chunked,
 * 100-continue), so keep-alive connections and multipart uploads pass through unchanged;
 * requests keep their Host header, so SigV4 signatures stay valid.
 */
public final class FaultyProxy implements AutoCloseable {

    /** A failure the proxy can inject into one request. */
    public enum Fault {
        /** Answers 500 InternalError without forwarding the request. */
        SERVER_ERROR,
        /** Answers 503 SlowDown (S3's throttling) without forwarding the request. */
        SLOW_DOWN,
        /** Forwards, then resets the connection (TCP RST) halfway through the response body. */
        RESET_MID_BODY,
        /** Forwards, then closes the connection cleanly halfway through the response body. */
        TRUNCATED_BODY,
        /** Forwards after a delay. */
        LATENCY,
        /** Forwards, then answers 500 InternalError in place of the response: the server did the work. */
        LOST_RESPONSE;

        /** Whether it acts on the response body, so that only a response with a body can get it. */
        public boolean cutsTheBody() {
            return this == RESET_MID_BODY || this == TRUNCATED_BODY;
        }
    }

    private final ServerSocket server;
    private volatile String upstreamHost;
    private volatile int upstreamPort;
    private final Map<Fault, Double> rates = new ConcurrentHashMap<>();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicLong requests = new AtomicLong();
    private final Random random;
    private final Duration latency;
    private volatile Predicate<String> eligible = requestLine -> true;
    private final List<Fault> forced = new ArrayList<>(); // guarded by itself
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean closed;
    private volatile double evenRate;
    private volatile double evenLostShare;
    private final AtomicReference<Predicate<String>> loseOnce = new AtomicReference<>();
    private final AtomicReference<Answer> answer = new AtomicReference<>();
    private final AtomicReference<Predicate<String>> damageOnce = new AtomicReference<>();
    private final AtomicLong bodiesDamaged = new AtomicLong();
    /** The head (request line and headers) of every request, in arrival order. */
    private final List<String> requestHeads = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean ignoreRanges;
    /** Whole-object GET responses (head and framed body) by request target, for {@link #ignoreRanges()}. */
    private final Map<String, byte[][]> wholeObjects = new ConcurrentHashMap<>();
    private final AtomicLong rangesIgnored = new AtomicLong();
    private final AtomicInteger uploadsInFlight = new AtomicInteger();
    private final AtomicInteger maxUploadsInFlight = new AtomicInteger();

    /** A canned error for requests whose request line matches. */
    private record Answer(Predicate<String> requestLine, int status, String code) {
    }

    private FaultyProxy(URI upstream, long seed, Duration latency) throws IOException {
        this.upstreamHost = upstream.getHost();
        this.upstreamPort = upstream.getPort();
        this.random = new Random(seed);
        this.latency = latency;
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicLong());
            rates.put(f, 0.0);
        }
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::acceptLoop);
    }

    /** A proxy in front of {@code upstream} (e.g. {@code S3Server.endpoint()}) injecting nothing yet. */
    public static FaultyProxy inFrontOf(URI upstream, long seed) {
        return inFrontOf(upstream, seed, Duration.ofMillis(200));
    }

    public static FaultyProxy inFrontOf(URI upstream, long seed, Duration latency) {
        try {
            return new FaultyProxy(upstream, seed, latency);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fault-injecting proxy", e);
        }
    }

    /**
     * Sets the probability (0..1) that {@code fault} is injected: for a 5xx or latency, into an
     * eligible request (these rates add up); for a reset or truncation, into an eligible response
     * with a body that got none of the former (these two rates add up).
     */
    public FaultyProxy rate(Fault fault, double probability) {
        rates.put(fault, probability);
        return this;
    }

    /**
     * The next eligible requests get these faults, one each, before the rates apply again: so
     * that a short run is sure to meet every kind at least once. Each request takes the first
     * queued fault that can act on it; a reset or truncation waits for a response with a body.
     */
    public FaultyProxy next(Fault... faults) {
        synchronized (forced) {
            forced.addAll(List.of(faults));
        }
        return this;
    }

    /** How many faults queued with {@link #next} are still waiting for a request they can act on. */
    public int pending() {
        synchronized (forced) {
            return forced.size();
        }
    }

    /**
     * Fails exactly the share {@code rate} of requests, spread evenly (request n fails when
     * {@code floor(n * rate) > floor((n - 1) * rate)}: at 0.1 every tenth), so that a test can
     * assert {@code injectedTotal() == requests() / 10}. Of those failures, the share {@code
     * lostResponseShare} are {@link Fault#LOST_RESPONSE lost responses}; the others are answered
     * without forwarding, 503 SlowDown or 500 InternalError, evenly by the seeded random source.
     * 0 turns it off; {@link #heal()} too.
     */
    public FaultyProxy spreadEvenly(double rate, double lostResponseShare) {
        this.evenLostShare = lostResponseShare;
        this.evenRate = rate;
        return this;
    }

    /** The next request whose request line matches is forwarded, and its response lost ({@link Fault#LOST_RESPONSE}). */
    public FaultyProxy loseResponseOnce(Predicate<String> requestLine) {
        loseOnce.set(requestLine);
        return this;
    }

    /**
     * The next request with a body whose request line matches is forwarded with one byte of its
     * body changed, as a faulty network card or middlebox would: the store must notice.
     */
    public FaultyProxy damageBodyOnce(Predicate<String> requestLine) {
        damageOnce.set(requestLine);
        return this;
    }

    /** How many request bodies {@link #damageBodyOnce} changed. */
    public long bodiesDamaged() {
        return bodiesDamaged.get();
    }

    /** The heads (request line and headers, as sent) of the requests seen so far, oldest first. */
    public List<String> requestHeads() {
        synchronized (requestHeads) {
            return List.copyOf(requestHeads);
        }
    }

    /**
     * Requests whose request line matches are answered with this S3 error (e.g. 404 NoSuchUpload)
     * without being forwarded, until cleared with {@code null}; not counted as injected faults.
     */
    public FaultyProxy answerWith(Predicate<String> requestLine, int status, String code) {
        answer.set(requestLine == null ? null : new Answer(requestLine, status, code));
        return this;
    }

    /**
     * Plays a store that does not serve byte ranges (HTTP allows a server to ignore Range): a
     * ranged GET of an object this proxy has already passed whole (200) is answered with that
     * whole response, 200 and every byte, without being forwarded. Not counted as injected faults;
     * see {@link #rangesIgnored()}.
     */
    public FaultyProxy ignoreRanges() {
        this.ignoreRanges = true;
        return this;
    }

    /** How many ranged GETs {@link #ignoreRanges()} answered with the whole object. */
    public long rangesIgnored() {
        return rangesIgnored.get();
    }

    /** Injects faults only into requests whose request line (e.g. {@code PUT /b/k?partNumber=2 HTTP/1.1}) matches. */
    public FaultyProxy onlyWhen(Predicate<String> requestLine) {
        this.eligible = requestLine;
        return this;
    }

    /**
     * Stops injecting; traffic passes through untouched. Faults queued with {@link #next} and not
     * yet injected are dropped too: a test that needs them all waits for {@link #pending()} to
     * reach 0 first, and one that only changes rates calls {@link #rate} without healing.
     */
    public FaultyProxy heal() {
        synchronized (forced) {
            forced.clear();
        }
        rates.replaceAll((f, r) -> 0.0);
        evenRate = 0;
        loseOnce.set(null);
        answer.set(null);
        return this;
    }

    /**
     * Forwards new connections to another upstream from now on: an S3 server restarted (on a new
     * port) behind the same endpoint. While the old one is stopped, connections to it are refused
     * and the client sees the store as unreachable.
     */
    public FaultyProxy upstream(URI upstream) {
        this.upstreamHost = upstream.getHost();
        this.upstreamPort = upstream.getPort();
        return this;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public long requests() {
        return requests.get();
    }

    public long injected(Fault fault) {
        return injected.get(fault).get();
    }

    /** The most UploadPart requests in flight at once so far. */
    public int maxUploadsInFlight() {
        return maxUploadsInFlight.get();
    }

    public long injectedTotal() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** The faults injected so far, per kind (every kind present); a snapshot. */
    public Map<Fault, Long> injectedByKind() {
        Map<Fault, Long> counts = new EnumMap<>(Fault.class);
        injected.forEach((f, n) -> counts.put(f, n.get()));
        return counts;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (open) {
            for (Socket s : open) {
                closeQuietly(s);
            }
        }
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "FaultyProxy[" + endpoint() + " -> " + upstreamHost + ":" + upstreamPort + ", requests=" + requests
                + ", injected=" + injected + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                track(client);
                pool.execute(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    sleep(10);
                }
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try (client) {
            InputStream cin = client.getInputStream();
            OutputStream cout = client.getOutputStream();
            while (!closed) {
                Head request = Head.read(cin);
                if (request == null) {
                    return;
                }
                if (request.hasToken("expect", "100-continue")) {
                    // Answer the interim response ourselves so that the client sends its body;
                    // upstream's own 100 Continue is skipped below.
                    cout.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    cout.flush();
                }
                byte[] body = readBody(cin, request, false);
                requestHeads.add(new String(request.raw, StandardCharsets.ISO_8859_1));
                Predicate<String> damage = damageOnce.get();
                if (body.length > 0 && damage != null && damage.test(request.startLine) && damageOnce.compareAndSet(damage, null)) {
                    body[body.length / 2] ^= 0x01;
                    bodiesDamaged.incrementAndGet();
                }
                long number = requests.incrementAndGet();
                boolean upload = request.startLine.startsWith("PUT ") && request.startLine.contains("partNumber=");
                if (upload) {
                    maxUploadsInFlight.accumulateAndGet(uploadsInFlight.incrementAndGet(), Math::max);
                }
                try {
                    Answer canned = answer.get();
                    if (canned != null && canned.requestLine().test(request.startLine)) {
                        writeError(cout, canned.status(), canned.code());
                        return;
                    }
                    byte[][] whole = ignoreRanges && request.startLine.startsWith("GET ") && request.header("range") != null
                            ? wholeObjects.get(target(request)) : null;
                    if (whole != null) {
                        rangesIgnored.incrementAndGet();
                        cout.write(whole[0]);
                        cout.write(whole[1]);
                        cout.flush();
                        continue;
                    }
                    boolean eligibleRequest = eligible.test(request.startLine);
                    Fault fault = eligibleRequest ? chooseEvenly(number) : null;
                    if (fault == null && eligibleRequest) {
                        fault = choose(false);
                    }
                    Predicate<String> once = loseOnce.get();
                    if (fault == null && once != null && once.test(request.startLine) && loseOnce.compareAndSet(once, null)) {
                        fault = Fault.LOST_RESPONSE;
                        injected.get(fault).incrementAndGet();
                    }
                    if (fault == Fault.SERVER_ERROR || fault == Fault.SLOW_DOWN) {
                        writeError(cout, fault);
                        return;
                    }
                    if (fault == Fault.LATENCY) {
                        sleep(latency.toMillis());
                    }
                    if (upstream == null) {
                        upstream = new Socket(upstreamHost, upstreamPort);
                        track(upstream);
                    }
                    OutputStream uout = upstream.getOutputStream();
                    uout.write(request.raw);
                    uout.write(body);
                    uout.flush();
                    InputStream uin = upstream.getInputStream();
                    Head response;
                    do {
                        response = Head.read(uin);
                        if (response == null) {
                            return;
                        }
                    } while (response.status() == 100);
                    boolean headRequest = request.startLine.startsWith("HEAD ");
                    byte[] responseBody = headRequest || response.status() == 204 || response.status() == 304
                            ? new byte[0] : readBody(uin, response, true);
                    if (fault == Fault.LOST_RESPONSE) {
                        writeError(cout, Fault.SERVER_ERROR);
                        return;
                    }
                    if (ignoreRanges && request.startLine.startsWith("GET ") && response.status() == 200
                            && request.header("range") == null) {
                        wholeObjects.put(target(request), new byte[][] {response.raw, responseBody});
                    }
                    if (fault == null && eligibleRequest && hasContent(response, responseBody)) {
                        fault = choose(true);
                    }
                    if (fault != null && fault.cutsTheBody()) {
                        cout.write(response.raw);
                        cout.write(responseBody, 0, responseBody.length / 2);
                        cout.flush();
                        if (fault == Fault.RESET_MID_BODY) {
                            client.setSoLinger(true, 0); // close() now sends RST
                        }
                        closeQuietly(upstream);
                        return;
                    }
                    cout.write(response.raw);
                    cout.write(responseBody);
                    cout.flush();
                    if (response.hasToken("connection", "close") || request.hasToken("connection", "close")) {
                        return;
                    }
                } finally {
                    if (upload) {
                        uploadsInFlight.decrementAndGet();
                    }
                }
            }
        } catch (IOException e) {
            // the client or upstream went away: nothing to report, the client sees its own error
        } finally {
            if (upstream != null) {
                closeQuietly(upstream);
            }
        }
    }

    /**
     * The fault for an eligible request, counted as injected: one that acts before forwarding,
     * or ({@code cut}) one that cuts the response body, asked for only once a body is there.
     */
    private Fault choose(boolean cut) {
        Fault chosen = null;
        synchronized (forced) {
            for (int i = 0; i < forced.size() && chosen == null; i++) {
                if (forced.get(i).cutsTheBody() == cut) {
                    chosen = forced.remove(i);
                }
            }
        }
        if (chosen == null) {
            double roll;
            synchronized (random) {
                roll = random.nextDouble();
            }
            double sum = 0;
            for (Fault f : Fault.values()) {
                if (f.cutsTheBody() != cut) {
                    continue;
                }
                sum += rates.get(f);
                if (roll < sum) {
                    chosen = f;
                    break;
                }
            }
        }
        if (chosen != null) {
            injected.get(chosen).incrementAndGet();
        }
        return chosen;
    }

    /** The fault {@link #spreadEvenly} gives request {@code number}, counted as injected, or null. */
    private Fault chooseEvenly(long number) {
        double rate = evenRate;
        if (rate <= 0 || Math.floor(number * rate) <= Math.floor((number - 1) * rate)) {
            return null;
        }
        double roll;
        synchronized (random) {
            roll = random.nextDouble();
        }
        Fault chosen = roll < evenLostShare ? Fault.LOST_RESPONSE : roll < 0.5 ? Fault.SLOW_DOWN : Fault.SERVER_ERROR;
        injected.get(chosen).incrementAndGet();
        return chosen;
    }

    /** The request line's target (path and query), which names the object. */
    private static String target(Head request) {
        return request.startLine.split(" ")[1];
    }

    /** Whether the framed body carries content to cut (an empty chunked body is only its last chunk). */
    private static boolean hasContent(Head response, byte[] framed) {
        String te = response.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            int end = 0;
            while (end < framed.length && framed[end] != '\r') {
                end++;
            }
            String sizeLine = new String(framed, 0, end, StandardCharsets.ISO_8859_1);
            return !sizeLine.isBlank() && Integer.parseInt(sizeLine.split(";")[0].trim(), 16) > 0;
        }
        return framed.length > 1;
    }

    private static void writeError(OutputStream out, Fault fault) throws IOException {
        boolean slow = fault == Fault.SLOW_DOWN;
        writeError(out, slow ? 503 : 500, slow ? "SlowDown" : "InternalError",
                slow ? "Please reduce your request rate." : "We encountered an internal error. Please try again.");
    }

    private static void writeError(OutputStream out, int status, String code) throws IOException {
        writeError(out, status, code, "injected by the test's proxy");
    }

    private static void writeError(OutputStream out, int status, String code, String message) throws IOException {
        String reason = switch (status) {
            case 503 -> "Slow Down";
            case 500 -> "Internal Server Error";
            case 404 -> "Not Found";
            default -> "Error";
        };
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>" + message + "</Message><RequestId>faulty-proxy</RequestId></Error>";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: application/xml\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    /** The message body exactly as framed on the wire (chunked bodies stay chunked). */
    private static byte[] readBody(InputStream in, Head head, boolean responseUntilClose) throws IOException {
        String te = head.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    String trailer;
                    do {
                        trailer = readLine(in);
                        out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    } while (!trailer.isEmpty());
                    return out.toByteArray();
                }
                out.write(in.readNBytes(size));
                String crlf = readLine(in);
                out.write((crlf + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        String cl = head.header("content-length");
        if (cl != null) {
            long n = Long.parseLong(cl.trim());
            byte[] body = in.readNBytes((int) n);
            if (body.length < n) {
                throw new EOFException("body ended early");
            }
            return body;
        }
        return responseUntilClose ? in.readAllBytes() : new byte[0];
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0 && prev < 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a line");
            }
            if (prev == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            prev = b;
        }
    }

    private void track(Socket s) {
        synchronized (open) {
            open.removeIf(Socket::isClosed);
            open.add(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request or response head: start line, headers, and the raw bytes to forward. */
    private record Head(String startLine, List<String[]> headers, byte[] raw) {
        static Head read(InputStream in) throws IOException {
            String start;
            try {
                start = readLine(in);
            } catch (SocketException e) {
                return null;
            }
            if (start == null) {
                return null;
            }
            StringBuilder raw = new StringBuilder(start).append("\r\n");
            List<String[]> headers = new ArrayList<>();
            String line;
            while (!(line = readLine(in)).isEmpty()) {
                raw.append(line).append("\r\n");
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim()});
                }
            }
            raw.append("\r\n");
            return new Head(start, headers, raw.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equals(name)) {
                    return h[1];
                }
            }
            return null;
        }

        boolean hasToken(String name, String token) {
            String v = header(name);
            return v != null && v.toLowerCase(Locale.ROOT).contains(token);
        }

        int status() {
            String[] parts = startLine.split(" ", 3);
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        }
    }
}
