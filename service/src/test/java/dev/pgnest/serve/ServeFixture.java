package dev.pgnest.serve;

import com.sun.net.httpserver.HttpServer;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.serve.job.Job;
import dev.pgnest.serve.job.JobResult;
import dev.pgnest.serve.schedule.QuartzScheduler;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Shared pieces of the service tests on the class's servers: one PostgreSQL cluster (target
 * database and job stores), one S3 server with the {@link #BUCKET} bucket (the repository), a job
 * that takes a small real backup, and a webhook receiver. Closing it closes its storage only.
 */
final class ServeFixture implements AutoCloseable {
    static final String BUCKET = "backups";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    final PostgresCluster pg;
    final S3Server s3;
    final Storage storage;

    ServeFixture(PostgresCluster pg, S3Server s3) {
        this.pg = pg;
        this.s3 = s3;
        storage = storageConfig().open();
        pg.execute("CREATE TABLE IF NOT EXISTS nest (id int PRIMARY KEY, name text)");
        pg.execute("INSERT INTO nest SELECT g, 'baby ' || g FROM generate_series(1, 100) g ON CONFLICT DO NOTHING");
    }

    S3StorageConfig storageConfig() {
        return S3StorageConfig.builder(BUCKET).prefix("repo").endpoint(s3.endpoint()).region(s3.region())
                .pathStyle(true).credentials(s3.accessKeyId(), s3.secretAccessKey()).build();
    }

    /** A fresh job store database: every test starts from an empty scheduler. */
    DatabaseConnection newJobStore() {
        String db = "jobs" + DATABASES.incrementAndGet();
        pg.createDatabase(db);
        return DatabaseConnection.parse(pg.jdbcUrl(db), pg.user(), pg.password());
    }

    DatabaseConnection target() {
        return DatabaseConnection.parse(pg.jdbcUrl(), pg.user(), pg.password());
    }

    static QuartzScheduler.Options fastOptions() {
        return new QuartzScheduler.Options(2, 1_000, 1_000, 60_000);
    }

    /**
     * A small real backup: reads the target's table and stores its rows with their checksum as
     * {@code <target>/backups/<scheduled time>-<instance>/dump.txt}.
     */
    Job backupJob() {
        return ctx -> {
            String rows = pg.queryForString("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM nest");
            String sum = pg.queryForString("SELECT md5(string_agg(id || ':' || name, ',' ORDER BY id)) FROM nest");
            String id = ID.format(ctx.scheduledTime());
            byte[] body = (sum + "\n" + rows + "\n").getBytes(StandardCharsets.UTF_8);
            storage.put(ctx.target() + "/backups/" + id + "/" + ctx.instanceId() + "/dump.txt", body);
            return JobResult.backup(id, body.length, "backup " + id + ", " + body.length + " bytes");
        };
    }

    /** The backups stored for {@code target}: keys of their dump objects. */
    List<ObjectInfo> backups(String target) {
        return storage.list(target + "/backups/");
    }

    String expectedChecksum() {
        return pg.queryForString("SELECT md5(string_agg(id || ':' || name, ',' ORDER BY id)) FROM nest");
    }

    String read(String key) throws IOException {
        try (InputStream in = storage.get(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** The next whole second at least {@code lead} from now. */
    static Instant nextSecondAfter(Duration lead) {
        return Instant.now().plus(lead).plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** A real HTTP server receiving webhook POSTs. */
    static final class WebhookReceiver implements AutoCloseable {
        final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        private final HttpServer server;

        WebhookReceiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook/T000/SECRET", exchange -> {
                try (exchange) {
                    bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook/T000/SECRET";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Override
    public void close() {
        storage.close();
    }
}
