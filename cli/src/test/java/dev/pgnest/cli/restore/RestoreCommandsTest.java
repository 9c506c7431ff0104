package dev.pgnest.cli.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.cli.CliRun;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.Chromium;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PrometheusText;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The restore commands in-process against a real cluster and an fs repository. */
@IntegrationTest
class RestoreCommandsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from items t";

    static PostgresCluster pg; // started by servers
    static Storage storage;
    static BackupManifest backup;
    static String atBackup;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void backup() {
        pg.createDatabase("app");
        pg.execute("app", "create table items (id int primary key, name text); "
                + "insert into items select g, 'item ' || g from generate_series(1, 300) g");
        storage = servers.closeAfterAll(new FsStorageConfig(tmp.resolve("repo")).open());
        Repository.init(storage);
        backup = LogicalBackup.run(Repository.open(storage), DatabaseConnection.parse(pg.jdbcUrl("app"), pg.user(), pg.password()),
                LogicalBackupOptions.defaults("default"), BackupProgress.NONE);
        atBackup = pg.queryForString("app", CHECKSUM);
        pg.execute("app", "delete from items where id > 100");
    }

    @Test
    void logicalRestoreIntoANewDatabasePrintsWhatItDidAndSavesTheReport() throws Exception {
        CliRun run = pgnest("restore", "logical", "--into", "app_cli");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("restored backup " + backup.id() + " into database app_cli on 127.0.0.1:" + pg.port()
                + ", 1 tables, in ");
        assertThat(run.out()).contains("  check ok     SHA-256 of dump.pgdump.zst: " + backup.objects().get(0).sha256().substring(0, 12));
        assertThat(pg.queryForString("app_cli", CHECKSUM)).isEqualTo(atBackup);
        Path report = Path.of(run.out().lines().filter(l -> l.startsWith("report: ")).findFirst().orElseThrow().substring(8));
        assertThat(Files.readString(report)).contains("**Succeeded** — logical restore of target `default`");

        CliRun again = pgnest("restore", "logical", "--into", "app_cli");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).startsWith("error: database app_cli exists on 127.0.0.1:" + pg.port()
                + ": add --replace to restore over it (it is kept until the restore succeeded), or choose another --into; report: ");
    }

    @Test
    void planIsJsonForScriptsAndChangesNothing() throws Exception {
        CliRun run = pgnest("restore", "plan", "logical", "--into", "app_planned", "-j", "2", "-o", "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode plan = JSON.readTree(run.out());
        assertThat(plan.get("backup").get("id").asText()).isEqualTo(backup.id());
        assertThat(plan.get("downloadBytes").asLong()).isEqualTo(backup.storedSize());
        assertThat(plan.get("destination").asText()).isEqualTo("database app_planned (new)");
        assertThat(pg.queryForString("select count(*) from pg_database where datname = 'app_planned'")).isEqualTo("0");
    }

    @Test
    void drillPassesAndAFailingCheckMakesItExitOne() {
        CliRun ok = pgnest("restore", "drill", "--mode", "database", "--check", "select count(*) = 300 from items");
        assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).startsWith("drill drill-").contains(": PASSED (backup " + backup.id() + ")",
                "  check ok     rows in public.items: 300", "recorded: " + tmp.resolve("repo"));

        CliRun failed = pgnest("restore", "drill", "--mode", "database", "--check", "select count(*) = 301 from items");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.out()).contains(": FAILED (backup " + backup.id() + "): a check failed: select count(*) = 301 from items",
                "  check FAILED select count(*) = 301 from items: false");
        String failedId = failed.out().substring("drill ".length(), failed.out().indexOf(" of target"));
        assertThat(pgnest("backup", "list").out()).contains("\n  DAMAGED: drill " + failedId + " failed at ",
                tmp.resolve("repo").resolve("default/drills/" + failedId + ".md") + ") (expire counts it for nothing)");
    }

    @Test
    void theServiceRunsTheSameDrillAsAJob() throws Exception {
        Map<String, String> env = env();
        env.put("PGNEST_DRILL_MODE", "database");
        env.put("PGNEST_DRILL_CHECKS", "select count(*) = 300 from items");
        dev.pgnest.config.PgnestConfig config = new dev.pgnest.config.ConfigLoader(null, env, Map.of(), tmp).load();
        dev.pgnest.serve.job.JobResult result = dev.pgnest.serve.DrillJob.of(config, tmp).run(new dev.pgnest.serve.job.JobContext("default",
                dev.pgnest.serve.job.JobKind.DRILL, java.time.Instant.now(), false, "test"));
        assertThat(result.summary()).startsWith("drill drill-").endsWith(" passed, backup " + backup.id());
        assertThat(result.backupId()).isEqualTo(backup.id());
    }

    @Test
    void aDrillRunByTheCliBeforeServeStartsIsOnThePageInBackupListAndInMetrics() throws Exception {
        CliRun drill = pgnest("restore", "drill", "--mode", "database", "-o", "json");
        assertThat(drill.exitCode()).as(drill.err()).isZero();
        JsonNode report = JSON.readTree(drill.out());
        String drillId = report.get("id").asText();
        java.time.Instant proven = java.time.Instant.parse(report.get("finishedAt").asText());

        JsonNode row = JSON.readTree(pgnest("backup", "list", "-o", "json").out()).get(0);
        assertThat(row.get("id").asText()).isEqualTo(backup.id());
        assertThat(java.time.Instant.parse(row.get("proven").asText())).isEqualTo(proven);
        assertThat(row.get("provenBy").asText()).isEqualTo(drillId);
        assertThat(row.get("lastDrill").get("status").asText()).isEqualTo("succeeded");
        assertThat(row.get("damage").isNull()).isTrue();
        CliRun show = pgnest("backup", "show", backup.id());
        assertThat(show.out()).contains("proven:         ", "(" + drillId + ")", "drills:\n", "  " + drillId + "  passed at ");
        JsonNode detail = JSON.readTree(pgnest("backup", "show", backup.id(), "-o", "json").out());
        assertThat(detail.get("drills")).extracting(d -> d.get("id").asText()).contains(drillId);

        Map<String, String> env = env();
        env.put("PGNEST_SERVE_LISTEN", "127.0.0.1:0");
        env.put("PGNEST_SCHEDULE_VERIFY", "0 3 1 1 *");
        dev.pgnest.config.PgnestConfig config = new dev.pgnest.config.ConfigLoader(null, env, Map.of(), tmp).load();
        try (dev.pgnest.serve.BackupService service = dev.pgnest.serve.ConfiguredService.build(config, tmp)) {
            service.start();
            String base = "http://127.0.0.1:" + service.port();
            String samples = "";
            for (int i = 0; i < 100 && Double.isNaN(PrometheusText.value(samples,
                    "pgnest_last_proven_restore_timestamp_seconds", "kind=\"logical\",target=\"default\"")); i++) {
                Thread.sleep(100);
                samples = get(base + "/metrics");
            }
            assertThat(PrometheusText.value(samples, "pgnest_last_proven_restore_timestamp_seconds",
                    "kind=\"logical\",target=\"default\"")).isEqualTo(proven.toEpochMilli() / 1000.0);
            assertThat(PrometheusText.value(samples, "pgnest_last_proven_restore_timestamp_seconds",
                    "kind=\"physical\",target=\"default\"")).isNaN();

            Path chromium = Chromium.find();
            org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null,
                    "chromium is not installed (apt-get install -y chromium): status page not checked in a browser");
            String dom = Chromium.dumpDom(chromium, base + "/", "<h1>pgnest serve</h1>");
            String proof = dom.substring(dom.indexOf("id=\"drill-default\""), dom.indexOf("</div>", dom.indexOf("id=\"drill-default\"")));
            assertThat(proof).contains(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                    .withZone(java.time.ZoneOffset.UTC).format(proven), "logical backup <code>" + backup.id() + "</code>", drillId)
                    .doesNotContain("never");
        }
    }

    private static String get(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aCorruptDumpFailsWithExitOneNamingTheObject() throws Exception {
        pg.createDatabase("small");
        pg.execute("small", "create table t (id int); insert into t select generate_series(1, 100)");
        Path repo2 = tmp.resolve("repo2");
        BackupManifest m;
        try (Storage s = new FsStorageConfig(repo2).open()) {
            Repository.init(s);
            m = LogicalBackup.run(Repository.open(s), DatabaseConnection.parse(pg.jdbcUrl("small"), pg.user(), pg.password()),
                    LogicalBackupOptions.defaults("default"), BackupProgress.NONE);
            String key = RepositoryLayout.backupObjectKey("default", m.id(), m.objects().get(0).name());
            byte[] bytes = s.getBytes(key);
            bytes[bytes.length - 10] ^= 0x40;
            s.put(key, bytes);
        }
        Map<String, String> env = env();
        env.put("PGNEST_REPO_PATH", repo2.toString());
        CliRun run = CliRun.run(env, tmp, "restore", "logical", "--into", "small_restored");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: object dump.pgdump.zst of backup " + m.id() + " (")
                .contains(") has SHA-256 ", "; nothing was restored: restore an older backup with --backup ID");
        assertThat(pg.queryForString("select count(*) from pg_database where datname like 'small_restored%'")).isEqualTo("0");
        try (Stream<Path> staged = Files.list(tmp.resolve("staging"))) {
            assertThat(staged).isEmpty();
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", tmp.resolve("repo").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", tmp.resolve("reports").toString());
        env.put("PGNEST_RESTORE_STAGING_DIR", tmp.resolve("staging").toString());
        return env;
    }

    private static CliRun pgnest(String... args) {
        return CliRun.run(env(), tmp, args);
    }
}
