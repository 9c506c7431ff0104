package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Bad input, each case end to end through the CLI: one error line that names the problem and
 * the fix, the documented exit code, no secret in the output, and nothing in the repository
 * deleted or changed.
 */
@IntegrationTest
class BadInputTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
        pg.execute("app", "create table items (id int primary key, name text); "
                + "insert into items select g, 'item ' || g from generate_series(1, 1000) g;");
    }

    /** A working configuration on a fresh, initialised repository with one backup in it. */
    private Map<String, String> workingEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_S3_BUCKET", "backups");
        env.put("PGNEST_S3_PREFIX", "bad" + PREFIX.incrementAndGet());
        env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        assertThat(CliRun.run(env, dir, "repo", "init").exitCode()).isZero();
        CliRun backup = CliRun.run(env, dir, "backup", "logical");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        return env;
    }

    private List<String> repositoryObjects(Map<String, String> env) {
        return s3.client().listObjectsV2Paginator(b -> b.bucket("backups").prefix(env.get("PGNEST_S3_PREFIX") + "/"))
                .contents().stream().map(S3Object::key).sorted().toList();
    }

    /** Runs a failing command and checks the shape every failure must have. */
    private CliRun fails(Map<String, String> env, int exitCode, String... args) {
        List<String> before = repositoryObjects(env);
        CliRun r = CliRun.run(env, dir, args);
        assertThat(r.exitCode()).as("exit code of %s; stderr: %s", List.of(args), r.err()).isEqualTo(exitCode);
        String err = r.err().strip();
        assertThat(err).as("one error line").startsWith("error: ").doesNotContain("\n");
        assertThat(err).as("problem and hint").contains(": ");
        assertThat(r.out() + r.err()).doesNotContain(pg.password()).doesNotContain(s3.secretAccessKey())
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(repositoryObjects(env)).as("nothing deleted or added").isEqualTo(before);
        return r;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void unreachableDatabase() throws IOException {
        Map<String, String> env = workingEnv();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + closedPort() + "/app");
        CliRun r = fails(env, 1, "backup", "logical");
        assertThat(r.err()).contains("127.0.0.1");
    }

    @Test
    void wrongPassword() {
        Map<String, String> env = workingEnv();
        env.put("PGNEST_DB_PASSWORD", "not-the-password");
        CliRun r = fails(env, 1, "backup", "logical");
        assertThat(r.err()).containsIgnoringCase("password").doesNotContain("not-the-password");
    }

    @Test
    void missingPgDump() throws IOException {
        Map<String, String> env = workingEnv();
        Path empty = Files.createDirectories(dir.resolve("no-binaries"));
        env.put("PGNEST_PG_BIN_DIR", empty.toString());
        CliRun r = fails(env, 2, "backup", "logical");
        assertThat(r.err()).contains("pg_dump").contains("PGNEST_PG_BIN_DIR");
    }

    @Test
    void pgDumpOlderThanTheServer() throws IOException {
        Map<String, String> env = workingEnv();
        // Debian 12 ships no older client than the server's: a pg_dump that reports 13 stands in
        Path bin = Files.createDirectories(dir.resolve("old-client"));
        Path pgDump = bin.resolve("pg_dump");
        Files.writeString(pgDump, "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'pg_dump (PostgreSQL) 13.16'; exit 0; fi\n"
                + "exec " + pg.binDir().resolve("pg_dump") + " \"$@\"\n");
        pgDump.toFile().setExecutable(true);
        env.put("PGNEST_PG_BIN_DIR", bin.toString());
        CliRun r = fails(env, 2, "backup", "logical");
        assertThat(r.err()).contains("(13.16) is older than the server (PostgreSQL " + pg.majorVersion())
                .contains("postgresql-client-" + pg.majorVersion()).contains("PGNEST_PG_BIN_DIR");
    }

    @Test
    void diskFullWhileStagingALogicalRestore() throws Exception {
        Map<String, String> env = workingEnv();
        // a 64 KiB file system of its own (tmpfs in a user + mount namespace) for the staging directory
        Path stage = Files.createDirectories(dir.resolve("stage"));
        env.put("PGNEST_RESTORE_STAGING_DIR", stage.toString());
        List<String> command = new java.util.ArrayList<>(List.of("unshare", "-Urm", "sh", "-c",
                "mount -t tmpfs -o size=64k tmpfs '" + stage + "' && exec \"$@\"", "sh"));
        command.addAll(CliProcess.inline("restore", "logical", "--backup", "latest", "--into", "restored_copy"));
        List<String> before = repositoryObjects(env);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("exit code; stderr: %s", err).isEqualTo(2);
        assertThat(err).as("one error line").startsWith("error: ").doesNotContain("\n")
                .contains("of staging space, " + stage + " has ").contains("set restore.staging-dir to a larger file system")
                .doesNotContain(pg.password()).doesNotContain(s3.secretAccessKey());
        assertThat(out).doesNotContain(pg.password());
        assertThat(pg.queryForString("select count(*) from pg_database where datname = 'restored_copy'"))
                .as("no database created").isEqualTo("0");
        assertThat(repositoryObjects(env)).as("nothing deleted or added").isEqualTo(before);
    }

    @Test
    void unreachableS3Endpoint() throws IOException {
        Map<String, String> env = workingEnv();
        List<String> objects = repositoryObjects(env);
        env.put("PGNEST_S3_ENDPOINT", "http://127.0.0.1:" + closedPort());
        CliRun r = CliRun.run(env, dir, "backup", "list");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n").contains("127.0.0.1");
        assertThat(repositoryObjects(workingEnvFor(env))).isEqualTo(objects);
    }

    private Map<String, String> workingEnvFor(Map<String, String> env) {
        Map<String, String> fixed = new HashMap<>(env);
        fixed.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        return fixed;
    }

    @Test
    void wrongS3Credentials() {
        Map<String, String> env = workingEnv();
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", "wrong-secret-key");
        List<String> objects = repositoryObjects(env);
        CliRun r = CliRun.run(env, dir, "backup", "logical");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n").doesNotContain("wrong-secret-key")
                .contains("denied access").contains("check the S3 access key, secret and region");
        assertThat(repositoryObjects(env)).isEqualTo(objects);
    }

    @Test
    void s3WithAnUntrustedCertificateIsRefusedUnlessVerificationIsExplicitlyOff() {
        Map<String, String> env = workingEnv();
        env.put("PGNEST_S3_ENDPOINT", s3.tlsEndpoint().toString());
        CliRun refused = fails(env, 1, "backup", "list");
        assertThat(refused.err()).contains(s3.tlsEndpoint().getHost()).containsIgnoringCase("certificate");

        ch.qos.logback.classic.Logger s3Log = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(dev.pgnest.storage.s3.S3Storage.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings = new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        s3Log.addAppender(warnings);
        try {
            env.put("PGNEST_S3_VERIFY_TLS", "false");
            CliRun list = CliRun.run(env, dir, "backup", "list", "--output", "json");
            assertThat(list.exitCode()).as(list.err()).isZero();
            assertThat(list.out()).as("the backup, read over TLS").contains("\"kind\"");
            assertThat(warnings.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains("TLS certificate verification is OFF"));
        } finally {
            s3Log.detachAppender(warnings);
        }
    }

    @Test
    void missingBucket() {
        Map<String, String> env = workingEnv();
        env.put("PGNEST_S3_BUCKET", "no-such-bucket");
        CliRun r = CliRun.run(env, dir, "backup", "list");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n").contains("no-such-bucket");
    }

    @Test
    void repositoryOfAnotherFormatVersion() {
        Map<String, String> env = workingEnv();
        String key = env.get("PGNEST_S3_PREFIX") + "/pgnest-repository.json";
        String format = s3.client().getObjectAsBytes(b -> b.bucket("backups").key(key)).asUtf8String();
        s3.client().putObject(b -> b.bucket("backups").key(key),
                RequestBody.fromString(format.replaceFirst("\"format\"\\s*:\\s*1", "\"format\" : 99")));
        CliRun r = fails(env, 1, "backup", "list");
        assertThat(r.err()).contains("99");
        fails(env, 1, "backup", "logical");
    }

    @Test
    void corruptManifest() {
        Map<String, String> env = workingEnv();
        String manifest = repositoryObjects(env).stream().filter(k -> k.endsWith("manifest.json")).findFirst().orElseThrow();
        String id = manifest.split("/")[manifest.split("/").length - 2];
        s3.client().putObject(b -> b.bucket("backups").key(manifest), RequestBody.fromString("{ not json", StandardCharsets.UTF_8));
        CliRun show = fails(env, 1, "backup", "show", id);
        assertThat(show.err()).contains("manifest");
        // Listing goes on without the damaged backup (it is not a backup one could restore) and
        // warns on stderr through the log, which the CLI sends there.
        ch.qos.logback.classic.Logger catalogLog = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(dev.pgnest.repository.Catalog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings = new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        catalogLog.addAppender(warnings);
        try {
            CliRun list = CliRun.run(env, dir, "backup", "list");
            assertThat(list.exitCode()).isZero();
            assertThat(list.out()).doesNotContain(id);
            assertThat(warnings.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains(id).contains("manifest"));
        } finally {
            catalogLog.detachAppender(warnings);
        }
    }

    @Test
    void configFileWithUnknownKeyOrWrongType() throws IOException {
        Map<String, String> env = workingEnv();
        Files.writeString(dir.resolve("pgnest.yml"), "repositories:\n  main:\n    compresion: zstd\n");
        assertThat(fails(env, 2, "backup", "list").err()).contains("compresion");
        Files.writeString(dir.resolve("pgnest.yml"), "repositories:\n  main:\n    compression-level: high\n");
        assertThat(fails(env, 2, "backup", "list").err()).contains("compression-level");
    }
}
