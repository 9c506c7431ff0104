package dev.pgnest.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.testing.ChildJvm;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/: no container engine runs here, so the image's entrypoint is run as the script it is,
 * with the real pgnest (this module's classes) against a real cluster; the compose file is parsed.
 */
@IntegrationTest
class EntrypointTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final Path DOCKER = Path.of("..", "docker").toAbsolutePath().normalize();
    private static PostgresCluster pg; // started by servers

    @TempDir
    Path app;

    record Run(int exit, String out, String err) {
    }

    @Test
    void withRunMigrationsFalseTheCommandRunsOnAnUnmigratedDatabase() throws Exception {
        String db = database("skip");
        Run r = entrypoint(db, Map.of("RUN_MIGRATIONS", "false"), "migrate", "status");
        assertThat(r.err()).contains("pgnest-entrypoint: RUN_MIGRATIONS=false: not running migrations")
                .doesNotContain("pgnest migrate deploy");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3); // status: one migration pending
        assertThat(pg.queryForString(db, "SELECT to_regclass('public.nest') IS NULL")).isEqualTo("t");
    }

    @Test
    void byDefaultMigrationsRunFirstThenTheCommand() throws Exception {
        String db = database("deploy");
        Run r = entrypoint(db, Map.of(), "migrate", "status");
        assertThat(r.err()).contains("pgnest-entrypoint: pgnest migrate deploy");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(pg.queryForString(db, "SELECT count(*) FROM nest")).isEqualTo("2");
        assertThat(pg.queryForString(db, "SELECT max(version) FROM flyway_schema_history")).isEqualTo("1");
    }

    @Test
    void aFailedMigrationStopsTheContainerBeforeTheCommand() throws Exception {
        String db = database("broken");
        Files.writeString(app.resolve("db/migrations/V2__broken.sql"), "CREATE TABLE oops (;\n");
        Run r = entrypoint(db, Map.of(), "config", "show");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("pgnest-entrypoint: migrate deploy failed (exit 1); not starting 'config show'");
        assertThat(r.out()).doesNotContain("Target");
    }

    @Test
    void serveStartsThroughTheEntrypointAndStopsGracefullyOnSigterm() throws Exception {
        String db = database("serve");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = app.resolve("serve.log");
        Process p = start(db, Map.of("RUN_MIGRATIONS", "false", "PGNEST_SERVE_LISTEN", "127.0.0.1:" + port,
                "PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", app.resolve("repo").toString(),
                "PGNEST_SCHEDULE_LOGICAL", "0 2 * * *"), log, "serve");
        try {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = -1;
            while (System.nanoTime() < deadline && status != 200) {
                try {
                    status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertThat(status).as("GET /health").isEqualTo(200);
            assertThat(Files.exists(app.resolve("repo/pgnest-repository.json"))).as("serve created the repository").isTrue();

            p.destroy(); // SIGTERM, to the JVM itself: the entrypoint exec'd it
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(log);
            assertThat(p.exitValue()).isEqualTo(143);
            assertThat(err).contains("pgnest serve").contains(" stopped");
            assertThat(pg.queryForString(db, "SELECT count(*) FROM pgnest_serve.qrtz_cron_triggers")).isEqualTo("1");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeFileParsesAndWiresArchiveCommandStoreAndService() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yml")));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsOnlyKeys("postgres", "minio", "minio-init", "pgnest");

        Map<String, Object> postgres = (Map<String, Object>) services.get("postgres");
        assertThat((List<String>) postgres.get("command")).contains("archive_mode=on", "archive_command=pgnest wal push %p");
        assertThat((Map<String, Object>) postgres.get("environment")).containsEntry("PGNEST_S3_BUCKET", "pgnest");

        Map<String, Object> pgnest = (Map<String, Object>) services.get("pgnest");
        assertThat((List<String>) pgnest.get("command")).containsExactly("serve");
        assertThat((List<String>) pgnest.get("ports")).containsExactly("127.0.0.1:7432:7432");
        Map<String, Object> env = (Map<String, Object>) pgnest.get("environment");
        assertThat(env).containsEntry("PGNEST_S3_ENDPOINT", "http://minio:9000").containsEntry("RUN_MIGRATIONS", "true")
                .containsKey("DATABASE_URL").containsKey("PGNEST_SCHEDULE_LOGICAL");
        assertThat(((Map<String, Object>) pgnest.get("build")).get("dockerfile")).isEqualTo("docker/Dockerfile");
        assertThat(Files.readString(DOCKER.resolve("Dockerfile")))
                .contains("FROM debian:bookworm-slim", "openjdk-17-jre-headless", "postgresql-client-15",
                        "ADD packaging/target/pgnest-*.tar.gz /opt/", "FROM pgnest AS demo", "ENTRYPOINT [\"pgnest-entrypoint\"]");
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** A database for one test and the app's one migration in {@code app/db/migrations}. */
    private String database(String name) throws IOException {
        pg.createDatabase(name);
        Path migrations = Files.createDirectories(app.resolve("db/migrations"));
        Files.writeString(migrations.resolve("V1__nest.sql"),
                "CREATE TABLE nest (id int PRIMARY KEY);\nINSERT INTO nest VALUES (1), (2);\n");
        return name;
    }

    private Run entrypoint(String db, Map<String, String> env, String... args) throws Exception {
        Process p = start(db, env, null, args);
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private Process start(String db, Map<String, String> env, Path log, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("sh", DOCKER.resolve("entrypoint.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(app.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PGNEST_") || k.equals("DATABASE_URL") || k.equals("RUN_MIGRATIONS"));
        pb.environment().put("PGNEST", pgnestLauncher().toString());
        pb.environment().put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + db);
        pb.environment().put("PGNEST_DB_PASSWORD", pg.password());
        pb.environment().putAll(env);
        if (log != null) {
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        return pb.start();
    }

    /** pgnest as the image has it, but on this module's classes (the shaded jar is built after the tests). */
    private Path pgnestLauncher() throws IOException {
        Path launcher = app.resolve("pgnest-launcher");
        if (!Files.exists(launcher)) {
            Files.writeString(launcher, "#!/bin/sh\nexec '" + ChildJvm.java() + "' " + ChildJvm.NATIVE_ACCESS
                    + " -cp '" + System.getProperty("java.class.path") + "' dev.pgnest.cli.Pgnest \"$@\"\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        }
        return launcher;
    }
}
