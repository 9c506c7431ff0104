package dev.pgnest.serve.http;

import com.sun.net.httpserver.HttpHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The routes of pgnest serve's HTTP server. Other features plug their endpoints in here before
 * the service starts, e.g. the WAL push fast path:
 * <pre>{@code
 * routes.post("/wal/push", new WalPushHandler(...));   // a com.sun.net.httpserver.HttpHandler
 * }</pre>
 * A path is matched exactly, or by prefix when it ends with {@code /*}
 * ({@code /wal/*} matches {@code /wal/000000010000000000000003}). Handlers run on the server's
 * worker pool, may stream request and response bodies, and must close the exchange.
 */
public final class HttpRoutes {

    /** One route. */
    public record Route(String method, String path, HttpHandler handler) {
        boolean matchesPath(String requestPath) {
            return path.endsWith("/*")
                    ? requestPath.startsWith(path.substring(0, path.length() - 1)) || requestPath.equals(path.substring(0, path.length() - 2))
                    : requestPath.equals(path);
        }
    }

    private final List<Route> routes = new ArrayList<>();

    public HttpRoutes get(String path, HttpHandler handler) {
        return add("GET", path, handler);
    }

    public HttpRoutes post(String path, HttpHandler handler) {
        return add("POST", path, handler);
    }

    public HttpRoutes put(String path, HttpHandler handler) {
        return add("PUT", path, handler);
    }

    /** Adds a route; a second route for the same method and path is a programming error. */
    public synchronized HttpRoutes add(String method, String path, HttpHandler handler) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("route path must start with /: " + path);
        }
        String m = method.toUpperCase(Locale.ROOT);
        for (Route r : routes) {
            if (r.method().equals(m) && r.path().equals(path)) {
                throw new IllegalArgumentException("route " + m + " " + path + " is already registered");
            }
        }
        routes.add(new Route(m, path, handler));
        return this;
    }

    /** The most specific route for a path (exact beats prefix, longer prefix beats shorter), any method. */
    synchronized List<Route> forPath(String requestPath) {
        List<Route> exact = routes.stream().filter(r -> !r.path().endsWith("/*") && r.path().equals(requestPath)).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        Optional<Integer> longest = routes.stream().filter(r -> r.path().endsWith("/*") && r.matchesPath(requestPath))
                .map(r -> r.path().length()).max(Integer::compare);
        return longest.map(len -> routes.stream()
                .filter(r -> r.path().endsWith("/*") && r.matchesPath(requestPath) && r.path().length() == len).toList())
                .orElse(List.of());
    }

    public synchronized List<Route> all() {
        return List.copyOf(routes);
    }
}
