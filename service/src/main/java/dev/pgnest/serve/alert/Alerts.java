package dev.pgnest.serve.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alerts: always one structured log line (logfmt, logger {@code dev.pgnest.alert}),
 * and, when a webhook URL is configured, a JSON POST — pgnest's own alert object, or a
 * Slack-compatible {@code {"text": …}}. Webhooks are sent from one background thread with a
 * few retries, so a slow receiver never holds up a backup or the scheduler.
 */
public final class Alerts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.pgnest.alert");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 3;

    /** Body of the webhook POST. */
    public enum Format { JSON, SLACK }

    private final URI webhook;
    private final Format format;
    private final HttpClient http;
    private final ExecutorService sender;

    private Alerts(URI webhook, Format format) {
        this.webhook = webhook;
        this.format = format;
        this.http = webhook == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.sender = webhook == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pgnest-alert-webhook");
            t.setDaemon(true);
            return t;
        });
    }

    /** Log lines only. */
    public static Alerts logOnly() {
        return new Alerts(null, Format.JSON);
    }

    /**
     * Log lines and a webhook.
     *
     * @param webhookUrl http(s) URL; a secret (Slack puts its token in the path): never logged
     * @param format     {@code json} or {@code slack}
     */
    public static Alerts withWebhook(String webhookUrl, String format) {
        if (webhookUrl == null || webhookUrl.isBlank()) {
            return logOnly();
        }
        URI uri;
        try {
            uri = URI.create(webhookUrl.strip());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new dev.pgnest.config.PgnestException(dev.pgnest.config.ErrorKind.CONFIG,
                    "alert.webhook-url is not an http(s) URL", "set PGNEST_ALERT_WEBHOOK_URL like https://hooks.example.com/…");
        }
        return new Alerts(uri, "slack".equalsIgnoreCase(format) ? Format.SLACK : Format.JSON);
    }

    /** Logs the alert now and queues its webhook POST. Never throws. */
    public void send(Alert alert) {
        String line = logLine(alert);
        switch (alert.type().severity()) {
            case "critical" -> LOG.error(line);
            case "warning" -> LOG.warn(line);
            default -> LOG.info(line);
        }
        if (webhook != null) {
            try {
                sender.execute(() -> post(alert));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.warn("alert webhook not sent: pgnest serve is shutting down");
            }
        }
    }

    /** {@code alert=job_failed severity=critical target=main kind=logical … message="…"}. */
    static String logLine(Alert a) {
        StringBuilder b = new StringBuilder("alert=").append(a.type().id())
                .append(" severity=").append(a.type().severity())
                .append(" target=").append(value(a.target()));
        if (a.kind() != null) {
            b.append(" kind=").append(value(a.kind()));
        }
        b.append(" instance=").append(value(a.instance()));
        new TreeMap<>(a.details()).forEach((k, v) -> b.append(' ').append(k).append('=').append(value(v)));
        return b.append(" message=").append(quote(a.message())).toString();
    }

    /** The POST body for the configured format. */
    String body(Alert a) {
        ObjectNode root = JSON.createObjectNode();
        if (format == Format.SLACK) {
            String icon = switch (a.type()) {
                case JOB_FAILED, WAL_LAG -> ":rotating_light:";
                case MISSED_SCHEDULE, RESTORE_UNPROVEN -> ":warning:";
                case WAL_LAG_RESOLVED, RESTORE_UNPROVEN_RESOLVED -> ":white_check_mark:";
            };
            root.put("text", icon + " pgnest " + a.type().id().replace('_', ' ') + " on *" + a.target() + "*"
                    + (a.kind() == null ? "" : " (" + a.kind() + ")") + ": " + a.message());
        } else {
            root.put("alert", a.type().id());
            root.put("severity", a.type().severity());
            root.put("target", a.target());
            root.put("kind", a.kind());
            root.put("message", a.message());
            root.put("time", a.time().toString());
            root.put("instance", a.instance());
            ObjectNode d = root.putObject("details");
            new TreeMap<>(a.details()).forEach(d::put);
        }
        return root.toString();
    }

    private void post(Alert alert) {
        HttpRequest request = HttpRequest.newBuilder(webhook)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "pgnest")
                .POST(HttpRequest.BodyPublishers.ofString(body(alert)))
                .build();
        String where = webhook.getScheme() + "://" + webhook.getHost() + (webhook.getPort() > 0 ? ":" + webhook.getPort() : "");
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return;
                }
                LOG.warn("alert webhook {} answered HTTP {} (attempt {}/{})", where, r.statusCode(), attempt, ATTEMPTS);
            } catch (IOException e) {
                LOG.warn("alert webhook {} unreachable: {} (attempt {}/{})", where, e.getMessage(), attempt, ATTEMPTS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(1000L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.error("alert {} for target {} was not delivered to the webhook {}: check alert.webhook-url",
                alert.type().id(), alert.target(), where);
    }

    private static String value(String v) {
        if (v == null) {
            return "-";
        }
        return v.matches("[A-Za-z0-9._:/@+-]+") ? v : quote(v);
    }

    private static String quote(String s) {
        return "\"" + (s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ")) + "\"";
    }

    /** Waits a few seconds for queued webhooks, then stops. */
    @Override
    public void close() {
        if (sender != null) {
            sender.shutdown();
            try {
                sender.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sender.shutdownNow();
        }
    }

    /** For tests: whether webhooks are configured. */
    boolean hasWebhook() {
        return webhook != null;
    }

    static Map<String, String> detailsOf(String... kv) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
