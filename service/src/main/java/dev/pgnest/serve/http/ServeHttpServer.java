package dev.pgnest.serve.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JDK's HTTP server dispatching to {@link HttpRoutes}: no web framework, nothing to configure. */
public final class ServeHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServeHttpServer.class);

    private final HttpServer server;
    private final ThreadPoolExecutor workers;

    private ServeHttpServer(HttpServer server, ThreadPoolExecutor workers) {
        this.server = server;
        this.workers = workers;
    }

    /** Binds and starts serving {@code routes}; port 0 picks a free port. */
    public static ServeHttpServer start(InetSocketAddress address, HttpRoutes routes) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 64);
        } catch (BindException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot listen on " + address.getHostString() + ":" + address.getPort()
                    + " (" + e.getMessage() + ")", "another process uses it: stop it or set serve.listen to another host:port");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot listen on " + address + ": " + e.getMessage(),
                    "set serve.listen to an address of this host, like 127.0.0.1:7432");
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "pgnest-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        server.setExecutor(workers);
        server.createContext("/", exchange -> dispatch(routes, exchange));
        server.start();
        return new ServeHttpServer(server, workers);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void dispatch(HttpRoutes routes, HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            List<HttpRoutes.Route> candidates = routes.forPath(path);
            if (candidates.isEmpty()) {
                respond(exchange, 404, "text/plain; charset=utf-8", "no such page: " + path + "\n");
                return;
            }
            String method = exchange.getRequestMethod();
            HttpRoutes.Route route = candidates.stream()
                    .filter(r -> r.method().equals(method) || (method.equals("HEAD") && r.method().equals("GET")))
                    .findFirst().orElse(null);
            if (route == null) {
                exchange.getResponseHeaders().set("Allow",
                        candidates.stream().map(HttpRoutes.Route::method).distinct().collect(Collectors.joining(", ")));
                respond(exchange, 405, "text/plain; charset=utf-8", method + " is not allowed on " + path + "\n");
                return;
            }
            try {
                route.handler().handle(exchange);
            } catch (PgnestException e) {
                LOG.warn("{} {}: {}", method, path, e.getMessage());
                respondIfPossible(exchange, e.kind() == ErrorKind.USAGE || e.kind() == ErrorKind.CONFIG ? 400 : 500,
                        e.getMessage());
            } catch (IOException e) {
                LOG.debug("{} {}: client went away: {}", method, path, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", method, path, e);
                respondIfPossible(exchange, 500, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    private static void respondIfPossible(HttpExchange exchange, int status, String message) {
        try {
            if (exchange.getResponseCode() == -1) {
                respond(exchange, status, "text/plain; charset=utf-8", message + "\n");
            }
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /** Sends a whole small body. */
    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops accepting, gives exchanges in flight up to {@code seconds} to finish. */
    public void stop(int seconds) {
        server.stop(seconds);
        workers.shutdownNow();
    }

    @Override
    public void close() {
        stop(1);
    }
}
