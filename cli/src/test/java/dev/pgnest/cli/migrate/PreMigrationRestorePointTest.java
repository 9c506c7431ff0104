package dev.pgnest.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.config.ConfigLoader;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.DrillRecord;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.repository.RestorePointRecord;
import dev.pgnest.serve.BackupService;
import dev.pgnest.serve.ConfiguredService;
import dev.pgnest.testing.Chromium;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-migration restore point of a real {@code migrate deploy} on a protected target: recorded
 * in the repository, and drawn on the status page in headless Chromium beside what the target's
 * repository holds from the day before (two timelines, a WAL gap, a failed drill; archive and
 * catalog written as they store them, WAL objects listed, never read).
 */
@IntegrationTest
class PreMigrationRestorePointTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica"));

    static final String TARGET = "shop";
    private static final ObjectMapper JSON = new ObjectMapper();
    static PostgresCluster pg; // started by servers
    @TempDir
    static Path dir;
    static Path migrations;
    static Instant now;
    static JsonNode deploy;

    @BeforeAll
    static void deployBehindARestorePoint() throws Exception {
        pg.createDatabase("shop");
        migrations = Files.createDirectories(dir.resolve("migrations"));
        Files.writeString(migrations.resolve("V1__customers.sql"),
                "CREATE TABLE customers (id int PRIMARY KEY, name text, email text);\n"
                        + "INSERT INTO customers SELECT g, 'c' || g, 'c' || g || '@example.com' FROM generate_series(1, 50) g;\n");
        Map<String, String> unprotected = env(dir.resolve("repo"));
        unprotected.put("PGNEST_PROTECTED", "false");
        assertThat(CliRun.run(unprotected, dir, "repo", "init").exitCode()).isZero();
        CliRun first = CliRun.run(unprotected, dir, "migrate", "deploy");
        assertThat(first.exitCode()).as(first.err()).isZero();
        now = Instant.now();
        yesterday(dir.resolve("repo"));

        Files.writeString(migrations.resolve("V2__drop_email.sql"),
                "SET lock_timeout = '5s';\n-- pgnest-lint-disable drop-column\nALTER TABLE customers DROP COLUMN email;\n");
        CliRun second = CliRun.run(env(dir.resolve("repo")), dir, "migrate", "deploy", "--output", "json");
        assertThat(second.exitCode()).as(second.err()).isZero();
        deploy = JSON.readTree(second.out());
    }

    @Test
    void aProtectedDeployRecordsItsRestorePointWithLsnTimelineAndVersion() throws Exception {
        JsonNode snapshot = deploy.get("snapshot");
        assertThat(snapshot.get("kind").asText()).isEqualTo("restore-point");
        assertThat(snapshot.get("name").asText()).startsWith("pgnest_shop_before_v2_");
        assertThat(snapshot.get("note").isNull()).as(snapshot.toString()).isTrue();
        assertThat(deploy.get("versionAfter").asText()).isEqualTo("2");

        Path file = dir.resolve("repo").resolve(RepositoryLayout.restorePointKey(TARGET, snapshot.get("name").asText()));
        RestorePointRecord record = RepositoryJson.read(Files.readAllBytes(file), RestorePointRecord.class, file.toString());
        assertThat(record.lsn()).isEqualTo(snapshot.get("location").asText());
        assertThat(record.walFile()).isEqualTo(pg.queryForString("select pg_walfile_name('" + record.lsn() + "')"));
        assertThat(record.timeline()).isEqualTo(Long.parseLong(pg.queryForString(
                "select timeline_id from pg_control_checkpoint()")));
        assertThat(record.migration()).isEqualTo("2");
        assertThat(record.schemaVersion()).isEqualTo("1");
        assertThat(record.createdAt()).isEqualTo(Instant.parse(snapshot.get("takenAt").asText()));
        // the point is in the server's WAL under that name: PITR can stop there
        assertThat(pg.queryForString("shop", "select count(*) from customers")).isEqualTo("50");
    }

    @Test
    void aRecordThatCannotBeWrittenIsNotedAndTheDeployStillApplies() throws Exception {
        pg.createDatabase("shop_norepo");
        Map<String, String> env = env(dir.resolve("no-repository-here"));
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/shop_norepo");
        CliRun run = CliRun.run(env, dir, "migrate", "deploy", "--output", "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        assertThat(report.get("versionAfter").asText()).isEqualTo("2");
        assertThat(report.get("snapshot").get("kind").asText()).isEqualTo("restore-point");
        assertThat(report.get("snapshot").get("note").asText()).startsWith("not recorded in the repository: no pgnest repository at "
                + dir.resolve("no-repository-here"));
        assertThat(pg.queryForString("shop_norepo", "select count(*) from information_schema.columns where column_name = 'email'"))
                .isEqualTo("0");
        assertThat(dir.resolve("no-repository-here")).doesNotExist();
    }

    @Test
    void backupListSvgDrawsTheRecordedRestorePoint() throws Exception {
        CliRun svg = CliRun.run(env(dir.resolve("repo")), dir, "backup", "list", "--output", "svg");
        assertThat(svg.exitCode()).as(svg.err()).isZero();
        String name = deploy.get("snapshot").get("name").asText();
        assertThat(svg.out()).startsWith("<svg").contains("<g class=\"restore-point\"><title>restore point " + name
                + " before migration V2 (schema version 1), LSN " + deploy.get("snapshot").get("location").asText())
                .contains(">before V2</text>");
    }

    @Test
    void restorePlanBeforeTheMigrationStopsAtTheRecordedPointAndTouchesNothing() {
        Map<String, String> env = env(dir.resolve("repo"));
        env.put("TMPDIR", dir.toString());
        Path dataDir = dir.resolve("restored");
        CliRun plan = CliRun.run(env, dir, "restore", "plan", "pitr", "--before-migration", "2", "--data-dir",
                dataDir.toString(), "--port", "5999");

        assertThat(plan.exitCode()).as(plan.out() + plan.err()).isZero();
        // the archived WAL here is listed, never readable: only the record can have named the point
        assertThat(plan.out()).contains("  target:       name " + deploy.get("snapshot").get("name").asText()
                + "  (backup: --before-migration 2)").contains("  backup:       20261205-000000P");
        assertThat(dataDir).doesNotExist();
    }

    /** The screenshot is the one docs/operations/monitoring.md shows (copied from target/ by hand). */
    @Test
    void statusPageInHeadlessChromiumShowsTheRestorePointBesideTimelinesAGapAndAFailedDrill() throws Exception {
        Path chromium = Chromium.find();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): status page not checked in a browser");
        Map<String, String> env = env(dir.resolve("repo"));
        env.put("PGNEST_SERVE_LISTEN", "127.0.0.1:0");
        env.put("PGNEST_SCHEDULE_VERIFY", "0 3 1 1 *"); // the page shows targets with a schedule
        try (BackupService service = ConfiguredService.build(new ConfigLoader(null, env, Map.of(), dir).load(), dir)) {
            service.start();
            String url = "http://127.0.0.1:" + service.port() + "/?days=1";
            String dom = Chromium.dumpDom(chromium, url, "<h1>pgnest serve</h1>");
            Path png = Path.of("target", "status-page-timeline.png");
            Chromium.screenshot(chromium, url, png);

            String figure = dom.substring(dom.indexOf("id=\"timeline-" + TARGET + "\""));
            figure = figure.substring(0, figure.indexOf("</figure>"));
            String name = deploy.get("snapshot").get("name").asText();
            assertThat(figure).contains(">timeline 1</text>").contains(">timeline 2</text>").contains("class=\"switch\"")
                    .containsPattern("class=\"gap\"[^>]*><title>WAL gap on timeline 1: 1 segment missing, 000000010000000000000006")
                    .contains("class=\"drill failed\"").contains("pg_restore exited 1")
                    .contains("<g class=\"restore-point\"><title>restore point " + name + " before migration V2")
                    .contains(">before V2</text>");
            // visible: the page as Chromium painted it shows the restore point's orange diamond, line and label
            // (nothing else on the page is orange)
            assertThat(orangePixels(ImageIO.read(png.toFile()))).as("orange pixels in %s", png).isGreaterThanOrEqualTo(60);
        }
    }

    /**
     * Pixels of the restore-point colour (#ef6c00, or blended with the white page where a line or a
     * letter's edge falls between pixels).
     */
    private static int orangePixels(BufferedImage image) {
        int n = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (r > 200 && r - g > 40 && g - b > 30 && r - b > 90) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * The day before: a physical backup 20 hours ago, timeline 1 archived hourly with segment 6
     * missing, a promotion to timeline 2 nine hours ago archived until now, and a drill of the
     * backup that failed five hours ago. Archive times are the objects' modification times.
     */
    private static void yesterday(Path repo) throws Exception {
        Instant start = now.minus(Duration.ofHours(20));
        put(repo, RepositoryLayout.manifestKey(TARGET, "20261205-000000P"), RepositoryJson.write(new BackupManifest(1,
                "20261205-000000P", BackupKind.PHYSICAL, TARGET, start, start.plusSeconds(600), "test", null, "1", List.of(),
                List.of(), Compression.ZSTD, null, List.of(), null, new BackupManifest.PhysicalInfo(1, "0/1000028", "0/2000100",
                "000000010000000000000001", "000000010000000000000002", "files"))), start.plusSeconds(600));
        for (int n = 1; n <= 10; n++) {
            if (n != 6) {
                put(repo, RepositoryLayout.walKey(TARGET, String.format("0000000100000000%08X", n), Compression.NONE),
                        new byte[] {1}, start.plus(Duration.ofMinutes(66L * n)));
            }
        }
        Instant promoted = now.minus(Duration.ofHours(9));
        put(repo, RepositoryLayout.walKey(TARGET, "00000002.history", Compression.NONE),
                "1\t0/A000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII), promoted);
        for (int n = 10; n <= 19; n++) {
            put(repo, RepositoryLayout.walKey(TARGET, String.format("0000000200000000%08X", n), Compression.NONE),
                    new byte[] {1}, promoted.plus(Duration.ofMinutes(59L * (n - 9))));
        }
        Instant drilled = now.minus(Duration.ofHours(5));
        put(repo, RepositoryLayout.drillKey(TARGET, "drill-20261205-150000", ".json"), RepositoryJson.write(new DrillRecord(
                "drill-20261205-150000", "failed", drilled.minusSeconds(120), drilled, "db-host",
                new DrillRecord.Backup("20261205-000000P", "physical"), "pg_restore exited 1", null)), drilled);
    }

    private static void put(Path repo, String key, byte[] bytes, Instant modified) throws Exception {
        Path file = repo.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    private static Map<String, String> env(Path repo) {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_TARGET", TARGET);
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/shop");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_PROTECTED", "true");
        env.put("PGNEST_MIGRATIONS", migrations.toString());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", repo.toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
        return env;
    }
}
