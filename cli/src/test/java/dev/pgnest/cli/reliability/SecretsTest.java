package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.testing.ChildJvm;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs pgnest as a separate process through a backup cycle with debug logging while watching
 * every process's command line, and finds neither the database password nor the S3 secret
 * key anywhere: not in pgnest's output or logs, not in the arguments of pgnest or of the
 * pg_dump / pg_restore it starts.
 */
@IntegrationTest
class SecretsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
        // Big enough that pg_dump runs long enough for the process watcher to see it.
        pg.execute("app", "create table items (id int primary key, name text, body text); "
                + "insert into items select g, 'item ' || g, repeat(md5(g::text), 8) from generate_series(1, 150000) g;");
    }

    @Test
    void neitherPasswordNorSecretKeyAppearsInOutputLogsOrProcessArguments() throws Exception {
        Map<String, String> env = Map.of(
                "DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/app",
                "PGNEST_DB_PASSWORD", pg.password(),
                "PGNEST_S3_BUCKET", "backups",
                "PGNEST_S3_ENDPOINT", s3.endpoint().toString(),
                "PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId(),
                "PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey(),
                "PGNEST_PG_BIN_DIR", pg.binDir().toString(),
                "PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString(),
                "PGNEST_LOG_LEVEL", "debug");

        Set<String> commandLines = ConcurrentHashMap.newKeySet();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    Process ps = new ProcessBuilder("ps", "-eo", "args", "--no-headers").redirectErrorStream(true).start();
                    for (String line : new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        commandLines.add(line);
                    }
                    ps.waitFor();
                } catch (IOException e) {
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        StringBuilder output = new StringBuilder();
        try {
            for (String[] args : List.of(
                    new String[] {"repo", "init"},
                    new String[] {"backup", "logical", "--debug"},
                    new String[] {"backup", "verify", "--all", "--deep", "--debug"},
                    new String[] {"backup", "list", "--output", "json"},
                    new String[] {"restore", "logical", "--backup", "latest", "--into", "app_restored", "--debug"},
                    new String[] {"config", "show"},
                    new String[] {"config", "show", "--output", "json"})) {
                output.append(runPgnest(env, args));
            }
        } finally {
            watching.set(false);
            watcher.join();
        }

        assertThat(output).as("the cycle really ran").contains("backup ").contains("verified");
        assertThat(pg.queryForString("app_restored", "select count(*) from items")).as("the restore really ran").isEqualTo("150000");
        assertThat(commandLines).as("the watcher saw the child processes")
                .anyMatch(l -> l.contains("pg_dump")).anyMatch(l -> l.contains("pg_restore"))
                .anyMatch(l -> l.contains("dev.pgnest.cli.Pgnest"));
        assertThat(output.toString()).doesNotContain(pg.password()).doesNotContain(s3.secretAccessKey());
        // the restore's incident report (JSON + Markdown) is written for others to read
        try (var reports = Files.list(dir.resolve("reports"))) {
            List<Path> files = reports.toList();
            assertThat(files).as("incident reports").hasSizeGreaterThanOrEqualTo(2);
            for (Path report : files) {
                assertThat(Files.readString(report)).as(report.toString())
                        .doesNotContain(pg.password()).doesNotContain(s3.secretAccessKey());
            }
        }
        assertThat(commandLines).noneMatch(l -> l.contains(pg.password())).noneMatch(l -> l.contains(s3.secretAccessKey()));
    }

    private String runPgnest(Map<String, String> env, String... args) throws Exception {
        List<String> command = ChildJvm.command(List.of(), "dev.pgnest.cli.Pgnest", args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("pgnest %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
