package dev.pgnest.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * {@code /health}: liveness (the process serves and its scheduler runs) and readiness (every
 * {@link HealthCheck} passes: job store, target databases, repositories). 200 when ready, 503
 * when not, with a JSON body saying which check failed and why. {@code /health/live} answers
 * liveness alone, for orchestrators that restart on it.
 */
public final class HealthEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome of one check. */
    public record CheckResult(boolean ok, long millis, String error) {
    }

    private final List<HealthCheck> checks;
    private final BooleanSupplier alive;
    private final Duration timeout;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pgnest-health");
        t.setDaemon(true);
        return t;
    });

    public HealthEndpoint(List<HealthCheck> checks, BooleanSupplier alive, Duration timeout) {
        this.checks = List.copyOf(checks);
        this.alive = alive;
        this.timeout = timeout;
    }

    public HttpHandler readiness() {
        return this::ready;
    }

    public HttpHandler liveness() {
        return exchange -> {
            boolean live = alive.getAsBoolean();
            ObjectNode body = JSON.createObjectNode().put("status", live ? "up" : "down").put("live", live);
            ServeHttpServer.respond(exchange, live ? 200 : 503, "application/json", body.toString() + "\n");
        };
    }

    /** Runs every check in parallel, each bounded by the timeout. */
    public Map<String, CheckResult> runChecks() {
        Map<String, CompletableFuture<CheckResult>> running = new LinkedHashMap<>();
        for (HealthCheck c : checks) {
            running.put(c.name(), CompletableFuture.supplyAsync(() -> {
                long t0 = System.nanoTime();
                try {
                    c.check();
                    return new CheckResult(true, (System.nanoTime() - t0) / 1_000_000, null);
                } catch (Exception e) {
                    return new CheckResult(false, (System.nanoTime() - t0) / 1_000_000,
                            e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                }
            }, pool));
        }
        Map<String, CheckResult> results = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, CompletableFuture<CheckResult>> e : running.entrySet()) {
            try {
                results.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                results.put(e.getKey(), new CheckResult(false, timeout.toMillis(), "no answer within " + timeout.toSeconds() + "s"));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                results.put(e.getKey(), new CheckResult(false, 0, "interrupted"));
            } catch (ExecutionException ex) {
                results.put(e.getKey(), new CheckResult(false, 0, String.valueOf(ex.getCause())));
            }
        }
        return results;
    }

    private void ready(HttpExchange exchange) throws IOException {
        boolean live = alive.getAsBoolean();
        Map<String, CheckResult> results = runChecks();
        boolean ready = live && results.values().stream().allMatch(CheckResult::ok);
        ObjectNode body = JSON.createObjectNode();
        body.put("status", ready ? "up" : "down");
        body.put("live", live);
        body.put("ready", ready);
        ObjectNode c = body.putObject("checks");
        results.forEach((name, r) -> {
            ObjectNode n = c.putObject(name).put("ok", r.ok()).put("ms", r.millis());
            if (r.error() != null) {
                n.put("error", r.error());
            }
        });
        ServeHttpServer.respond(exchange, ready ? 200 : 503, "application/json", body.toString() + "\n");
    }

    public void close() {
        pool.shutdownNow();
    }
}
