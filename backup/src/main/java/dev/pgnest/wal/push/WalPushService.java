package dev.pgnest.wal.push;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalFileName;
import dev.pgnest.wal.WalSpool;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path of {@code archive_command}: a loopback HTTP endpoint in a long-running pgnest
 * process that pushes WAL files with the same {@link WalArchive#push} as the direct path, so
 * PostgreSQL's archiver does not pay a JVM start per segment.
 *
 * <p>{@code POST /wal/push} with headers {@code Authorization: Bearer <token>} and
 * {@code X-Pgnest-Path: <absolute path of %p>} answers only once the file is durably stored:
 * 200 (stored or already archived), 409 (archived with other content: never overwritten),
 * 400/401 (bad request), 421 (the client's {@code X-Pgnest-Target} is another target), 500
 * (storage failure; the client falls back to the direct path).
 *
 * <p>Parallel uploads without breaking the archiver's order: when asked for one file the
 * service also starts pushing the other files PostgreSQL has marked ready
 * ({@code pg_wal/archive_status/*.ready}), as pgBackRest's asynchronous archive-push does. By
 * the time the archiver asks for them they are usually stored, and the answer is immediate.
 * A file is acknowledged only after its own upload succeeded.
 *
 * <p>The endpoint (address, port, token) is published in the spool directory as
 * {@code push-endpoint} (mode 0600), where the launcher script finds it; the token keeps
 * other local users from driving the service.
 */
public final class WalPushService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalPushService.class);
    public static final String PATH_HEADER = "X-Pgnest-Path";
    /** The target the client pushes for (the launcher sends $PGNEST_TARGET when set). */
    public static final String TARGET_HEADER = "X-Pgnest-Target";
    private static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    private final WalArchives archive;
    private final WalSpool spool;
    private final int parallelism;
    private final int lookAhead;
    private final String token;
    private final HttpServer server;
    private final ExecutorService uploads;
    private final Map<String, Push> pushes = new ConcurrentHashMap<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong requestsInFlight = new AtomicLong();
    private final AtomicLong lastRequestEnded = new AtomicLong(System.nanoTime());

    private record Push(Path file, CompletableFuture<WalArchive.PushResult> result, long started) {
    }

    private WalPushService(WalArchives archive, WalSpool spool, int parallelism, HttpServer server, String token) {
        this.archive = archive;
        this.spool = spool;
        this.parallelism = parallelism;
        this.lookAhead = parallelism * 4;
        this.server = server;
        this.token = token;
        this.uploads = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "pgnest-wal-push");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Listens on {@code 127.0.0.1:port} (0: any free port) and publishes the endpoint in the spool.
     *
     * @param parallelism concurrent uploads
     */
    public static WalPushService start(WalArchive archive, WalSpool spool, int port, int parallelism) {
        return start(WalArchives.single("", archive), spool, port, parallelism);
    }

    /** An endpoint that archives into each of several repositories (see {@link WalArchives#push}). */
    public static WalPushService start(WalArchives archive, WalSpool spool, int port, int parallelism) {
        spool.create();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot listen on 127.0.0.1:" + port + " for WAL pushes: " + e.getMessage(),
                    "choose a free port for wal.push-port, or 0 for any");
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        WalPushService service = new WalPushService(archive, spool, Math.max(1, parallelism), server,
                HexFormat.of().formatHex(secret));
        server.createContext("/wal/push", service::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pgnest-wal-push-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        service.publish();
        LOG.info("WAL push endpoint on 127.0.0.1:{} for target {} ({} parallel uploads), spool {}", service.port(),
                archive.target(), service.parallelism, spool.root());
        return service;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Pushes acknowledged to archive_command clients. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Files uploaded (not found already archived). */
    public long uploaded() {
        return uploaded.get();
    }

    /** Writes {@code 127.0.0.1 <port> <token>} atomically, readable by this OS user only. */
    private void publish() {
        Path endpoint = spool.pushEndpoint();
        Path tmp = endpoint.resolveSibling(endpoint.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, "127.0.0.1 " + port() + " " + token + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, endpoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot write " + endpoint + ": " + e.getMessage(),
                    "set wal.spool-dir to a directory this OS user owns");
        }
    }

    /** How long no request has been open (zero while one is): a background pusher exits when idle. */
    public Duration idleFor() {
        long since = lastRequestEnded.get();
        return requestsInFlight.get() > 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, System.nanoTime() - since));
    }

    private void handle(HttpExchange exchange) throws IOException {
        requestsInFlight.incrementAndGet();
        try {
            answer(exchange);
        } finally {
            lastRequestEnded.set(System.nanoTime());
            requestsInFlight.decrementAndGet();
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "use POST");
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.US_ASCII),
                    ("Bearer " + token).getBytes(StandardCharsets.US_ASCII))) {
                respond(exchange, 401, "wrong or missing token");
                return;
            }
            String target = exchange.getRequestHeaders().getFirst(TARGET_HEADER);
            if (target != null && !target.isEmpty() && !target.equals(archive.target())) {
                // not ours: the client falls back to its direct path for its own target
                respond(exchange, 421, "this endpoint archives for target " + archive.target() + ", not " + target);
                return;
            }
            String pathHeader = exchange.getRequestHeaders().getFirst(PATH_HEADER);
            if (pathHeader == null || !pathHeader.startsWith("/")) {
                respond(exchange, 400, "missing " + PATH_HEADER + " with the absolute path of the WAL file");
                return;
            }
            Path file = Path.of(pathHeader);
            if (WalFileName.classify(file.getFileName().toString()).isEmpty()) {
                respond(exchange, 400, file + " is not a WAL file");
                return;
            }
            try {
                WalArchive.PushResult result = push(file);
                acknowledged.incrementAndGet();
                respond(exchange, 200, result.outcome() == WalArchive.PushOutcome.STORED ? "stored" : "already archived");
            } catch (PgnestException e) {
                respond(exchange, e.kind() == ErrorKind.INTEGRITY ? 409 : e.kind() == ErrorKind.USAGE ? 400 : 500, e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("push of {} failed", file, e);
                respond(exchange, 500, "unexpected " + e);
            }
        }
    }

    /** Pushes {@code file} (joining a look-ahead push already under way) and starts pushing the files after it. */
    public WalArchive.PushResult push(Path file) {
        String name = file.getFileName().toString();
        Push push = pushes.compute(name, (n, existing) ->
                existing != null && existing.file().equals(file) && !failed(existing) ? existing : submit(file));
        lookAhead(file);
        try {
            return push.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while pushing " + name, "the archiver retries");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PgnestException pe) {
                throw pe;
            }
            throw new PgnestException(ErrorKind.STORAGE, "cannot push " + name + ": " + e.getCause(), "the archiver retries", e.getCause());
        } finally {
            // acknowledged (or failed, to be retried by the archiver): forget it either way
            pushes.remove(name, push);
        }
    }

    private static boolean failed(Push p) {
        return p.result().isCompletedExceptionally();
    }

    private Push submit(Path file) {
        return new Push(file, CompletableFuture.supplyAsync(() -> {
            WalArchive.PushResult r = archive.push(file);
            if (r.outcome() == WalArchive.PushOutcome.STORED) {
                uploaded.incrementAndGet();
            }
            return r;
        }, uploads), System.nanoTime());
    }

    /**
     * Starts pushing files PostgreSQL has marked {@code .ready} next to {@code file}, oldest
     * first, up to the look-ahead depth. The archiver will ask for them next.
     */
    private void lookAhead(Path file) {
        forgetOld();
        Path status = file.getParent() == null ? null : file.getParent().resolve("archive_status");
        if (status == null || !Files.isDirectory(status) || pushes.size() >= lookAhead) {
            return;
        }
        List<String> ready = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(status, "*.ready")) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                ready.add(n.substring(0, n.length() - ".ready".length()));
            }
        } catch (IOException e) {
            return; // look-ahead is an optimisation only
        }
        ready.sort(null);
        for (String n : ready) {
            if (pushes.size() >= lookAhead) {
                break;
            }
            if (WalFileName.classify(n).isPresent()) {
                Path next = file.getParent().resolve(n);
                pushes.computeIfAbsent(n, k -> submit(next));
            }
        }
    }

    /** Look-ahead pushes the archiver never asked for (archive_command changed…) are dropped after a while. */
    private void forgetOld() {
        long cutoff = System.nanoTime() - FORGET_AFTER.toNanos();
        pushes.values().removeIf(p -> p.started() < cutoff && p.result().isDone());
    }

    private static void respond(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops accepting pushes, withdraws the endpoint, and lets uploads in flight finish. */
    @Override
    public void close() {
        try {
            String content = Files.readString(spool.pushEndpoint());
            if (content.contains(" " + port() + " ")) {
                Files.deleteIfExists(spool.pushEndpoint());
            }
        } catch (IOException ignored) {
            // already gone
        }
        server.stop(1);
        uploads.shutdown();
        try {
            uploads.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
