package dev.pgnest.serve;

import static dev.pgnest.serve.ServeFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.restore.drill.RestoreDrill;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.restore.drill.DrillRecords;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportRecorder;
import dev.pgnest.serve.alert.Alerts;
import dev.pgnest.serve.http.HealthCheck;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.metrics.ArchiverWalLagProbe;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.schedule.JobHistory.Outcome;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.Chromium;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PrometheusText;
import dev.pgnest.testing.Servers;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service's HTTP side with real jobs: a scheduled logical backup (pg_dump into the S3
 * repository), then /metrics, /health, alerts and the status page as a browser renders it.
 */
@IntegrationTest
class ServeHttpTest {
    /** WAL archiving that never succeeds: the lag grows, and alerts. */
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica")
            .setting("archive_mode", "on").setting("archive_command", "false").setting("archive_timeout", "0"))
            .andS3(ServeFixture.BUCKET);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServeFixture fx;
    private static ServeFixture.WebhookReceiver hook;
    private static BackupService service;
    private static RepositoryJobs jobs;
    private static Catalog.Entry backup;

    @BeforeAll
    static void start() throws Exception {
        fx = servers.closeAfterAll(new ServeFixture(servers.postgres(), servers.s3()));
        try (Storage s = fx.storageConfig().open()) {
            Repository.init(s);
        }
        jobs = new RepositoryJobs(fx.storageConfig());
        hook = servers.closeAfterAll(new ServeFixture.WebhookReceiver());
        Instant fire = ServeFixture.nextSecondAfter(Duration.ofSeconds(4));
        service = servers.closeAfterAll(BackupService.builder(fx.newJobStore())
                .instanceId("web-1")
                .schedulerOptions(ServeFixture.fastOptions())
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .schedule(Schedule.of("web", JobKind.LOGICAL, "* * * * * ?").between(fire, fire.plusMillis(500)))
                .schedule(Schedule.of("web", JobKind.VERIFY, "0 0 3 * * ?"))
                .job(JobKind.LOGICAL, jobs.logicalBackup(t -> fx.target(), LogicalBackupOptions::defaults))
                .job(JobKind.VERIFY, jobs.verify(null))
                .status(jobs.status())
                .healthCheck(HealthCheck.of("repository", () -> {
                    try (Storage s = fx.storageConfig().open()) {
                        Repository.open(s);
                    }
                }))
                .walLag("web", new ArchiverWalLagProbe(fx.target()))
                .walLagThreshold(Duration.ZERO)
                .monitorInterval(Duration.ofMillis(500))
                .alerts(Alerts.withWebhook(hook.url(), "json"))
                .build());
        service.start();
        await("the scheduled backup", Duration.ofSeconds(30), () -> runs("web").stream()
                .anyMatch(r -> r.outcome() != Outcome.running));
        try (Storage s = fx.storageConfig().open()) {
            backup = Repository.open(s).catalog().latest("web", null).orElseThrow();
        }
    }

    @Test
    void theScheduledBackupIsARealRestorableDump() throws Exception {
        JobRun run = runs("web").get(0);
        assertThat(run.outcome()).isEqualTo(Outcome.succeeded);
        assertThat(run.backupId()).isEqualTo(backup.id());
        assertThat(run.bytes()).isEqualTo(backup.manifest().storedSize()).isPositive();
        assertThat(backup.manifest().logical().database()).isEqualTo(fx.target().database());
    }

    @Test
    void metricsExposeTheLastBackupAndTheWalArchiveLag() throws Exception {
        for (int i = 0; i < 3; i++) {
            fx.pg.execute("INSERT INTO nest VALUES (" + (1000 + i) + ", 'x') ON CONFLICT DO NOTHING");
            fx.pg.queryForString("SELECT pg_switch_wal()");
        }
        await("WAL lag measured", Duration.ofSeconds(10), () -> metric(scrape(), "pgnest_wal_archive_lag_segments",
                "target=\"web\"") >= 3);
        String text = scrape();
        String logical = "kind=\"logical\",target=\"web\"";
        JobRun run = runs("web").get(0);
        assertThat(metric(text, "pgnest_job_last_size_bytes", logical)).isEqualTo(backup.manifest().storedSize());
        assertThat(metric(text, "pgnest_job_last_success_timestamp_seconds", logical))
                .isCloseTo(run.finishedAt().toEpochMilli() / 1000.0, org.assertj.core.data.Offset.offset(0.002));
        assertThat(metric(text, "pgnest_job_last_duration_seconds", logical))
                .isCloseTo(Duration.between(run.startedAt(), run.finishedAt()).toMillis() / 1000.0,
                        org.assertj.core.data.Offset.offset(0.002)).isPositive();
        assertThat(metric(text, "pgnest_job_failures_total", logical)).isZero();
        assertThat(metric(text, "pgnest_job_runs_total", logical)).isEqualTo(1);
        assertThat(metric(text, "pgnest_wal_archive_lag_segments", "target=\"web\"")).isGreaterThanOrEqualTo(3);
        assertThat(metric(text, "pgnest_wal_archive_lag_seconds", "target=\"web\"")).isPositive();
        assertThat(metric(text, "pgnest_wal_archive_failing", "target=\"web\"")).isEqualTo(1);
        assertThat(metric(text, "pgnest_job_store_up", "")).isEqualTo(1);
    }

    @Test
    void walLagOverTheThresholdAlertsOnceThroughTheWebhook() throws Exception {
        fx.pg.execute("INSERT INTO nest VALUES (2000, 'y') ON CONFLICT DO NOTHING");
        fx.pg.queryForString("SELECT pg_switch_wal()");
        JsonNode alert = nextAlert("wal_lag");
        assertThat(alert.get("target").asText()).isEqualTo("web");
        assertThat(alert.get("severity").asText()).isEqualTo("critical");
        assertThat(alert.get("details").get("lag_segments").asLong()).isPositive();
        assertThat(alert.get("message").asText()).contains("archive_command is failing");
    }

    @Test
    void aFailingBackupPostsAJobFailedAlertToTheWebhook() throws Exception {
        DatabaseConnection missing = fx.target().withDatabase("no_such_db");
        try (ServeFixture.WebhookReceiver slack = new ServeFixture.WebhookReceiver()) {
            Instant fire = ServeFixture.nextSecondAfter(Duration.ofSeconds(4));
            try (BackupService failing = BackupService.builder(fx.newJobStore()).instanceId("fails")
                    .schedulerOptions(ServeFixture.fastOptions())
                    .schedule(Schedule.of("broken", JobKind.LOGICAL, "* * * * * ?").between(fire, fire.plusMillis(500)))
                    .job(JobKind.LOGICAL, jobs.logicalBackup(t -> missing, LogicalBackupOptions::defaults))
                    .alerts(Alerts.withWebhook(slack.url(), "slack"))
                    .build()) {
                failing.start();
                String body = slack.bodies.poll(30, TimeUnit.SECONDS);
                assertThat(body).as("a webhook POST").isNotNull();
                JsonNode json = JSON.readTree(body);
                assertThat(json.get("text").asText())
                        .startsWith(":rotating_light: pgnest job failed on *broken* (logical): the logical backup of broken failed: ")
                        .contains("no_such_db");
                assertThat(failing.history().runs("broken", JobKind.LOGICAL)).singleElement()
                        .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.failed));
            }
        }
        try (Storage s = fx.storageConfig().open()) {
            assertThat(Repository.open(s).catalog().backups("broken")).isEmpty();
        }
    }

    @Test
    void healthIsReadyWhenJobStoreAndRepositoryAnswerAndSaysWhichFailsOtherwise() throws Exception {
        HttpResponse<String> ok = ServeFixture.get(service.port(), "/health");
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(ok.body());
        assertThat(body.get("ready").asBoolean()).isTrue();
        assertThat(body.get("checks").get("job-store").get("ok").asBoolean()).isTrue();
        assertThat(body.get("checks").get("repository").get("ok").asBoolean()).isTrue();
        assertThat(ServeFixture.get(service.port(), "/health/live").statusCode()).isEqualTo(200);

        try (BackupService down = BackupService.builder(fx.newJobStore()).instanceId("down")
                .schedulerOptions(ServeFixture.fastOptions()).listen(new InetSocketAddress("127.0.0.1", 0))
                .healthCheck(HealthCheck.of("repository", () -> {
                    throw new IllegalStateException("no pgnest repository at s3://gone/repo");
                })).build()) {
            down.start();
            HttpResponse<String> bad = ServeFixture.get(down.port(), "/health");
            assertThat(bad.statusCode()).isEqualTo(503);
            JsonNode b = JSON.readTree(bad.body());
            assertThat(b.get("ready").asBoolean()).isFalse();
            assertThat(b.get("live").asBoolean()).isTrue();
            assertThat(b.get("checks").get("repository").get("error").asText()).isEqualTo("no pgnest repository at s3://gone/repo");
        }
    }

    @Test
    void statusPageInHeadlessChromiumListsTheBackupAndTheRestorableWindow() throws Exception {
        Path chromium = Chromium.find();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): status page not checked in a browser");
        String dom = Chromium.dumpDom(chromium, "http://127.0.0.1:" + service.port() + "/", "<h1>pgnest serve</h1>");
        Chromium.screenshot(chromium, "http://127.0.0.1:" + service.port() + "/", Path.of("target", "status-page.png"));

        String backups = section(dom, "backups-web");
        assertThat(backups).contains(backup.id()).contains("logical").doesNotContain(">none<");
        String window = section(dom, "window-web");
        assertThat(window).contains("1 logical backup: restores to the moment it was taken")
                .contains(ServeFixtureTime.utc(backup.manifest().startTime()));
        assertThat(dom).contains("Last proven restore").contains("never");
        assertThat(dom).contains("<code>* * * * * ?</code>");
    }

    /**
     * A target whose repository holds two timelines, a WAL gap, a failed drill and a pre-migration
     * backup, written as the archive and the catalog store them (WAL objects are listed, never read).
     */
    @Test
    void statusPageDrawsTheRestorableWindowWithTimelinesAGapAFailedDrillAndAPreMigrationBackup() throws Exception {
        Path chromium = Chromium.find();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): status page not checked in a browser");
        String target = "pitr";
        try (Storage s = fx.storageConfig().open()) {
            Repository repository = Repository.open(s);
            Instant now = Instant.now();
            s.put(RepositoryLayout.manifestKey(target, "20260101-000000P"), RepositoryJson.write(new BackupManifest(1,
                    "20260101-000000P", BackupKind.PHYSICAL, target, now.minusSeconds(7200), now.minusSeconds(7100), "test",
                    null, "4", List.of(), List.of(), Compression.ZSTD, null, List.of(), null,
                    new BackupManifest.PhysicalInfo(1, "0/1000028", "0/2000100", "000000010000000000000001",
                            "000000010000000000000002", "files"))));
            s.put(RepositoryLayout.manifestKey(target, "20260101-000100L"), RepositoryJson.write(new BackupManifest(1,
                    "20260101-000100L", BackupKind.LOGICAL, target, now.minusSeconds(3600), now.minusSeconds(3590), "test",
                    null, "4", List.of(BackupManifest.TAG_PRE_MIGRATION), List.of("5"), Compression.ZSTD, null, List.of(),
                    null, null)));
            for (String wal : List.of("000000010000000000000001", "000000010000000000000002", "000000010000000000000003",
                    "000000010000000000000005", "00000002.history", "000000020000000000000005", "000000020000000000000006")) {
                s.put(RepositoryLayout.walKey(target, wal, Compression.NONE), new byte[] {1});
                Thread.sleep(20); // archive times in order, as PostgreSQL archives
            }
            DrillRecords.save(repository, ReportRecorder.start(IncidentReport.Kind.drill, target, "test")
                    .fail(new IllegalStateException("pg_restore exited 1")));
        }
        try (BackupService page = BackupService.builder(fx.newJobStore()).instanceId("timeline")
                .schedulerOptions(ServeFixture.fastOptions()).listen(new InetSocketAddress("127.0.0.1", 0))
                .statusTarget(target).status(jobs.status()).build()) {
            page.start();
            String url = "http://127.0.0.1:" + page.port() + "/?days=1";
            String dom = Chromium.dumpDom(chromium, url, "<h1>pgnest serve</h1>");
            Chromium.screenshot(chromium, url, Path.of("target", "status-page-timeline.png"));
            String figure = section(dom, "timeline-pitr");
            assertThat(figure).contains("<svg").contains("role=\"img\"").contains("last 1 day");
            assertThat(figure).containsPattern("class=\"gap\"[^>]*><title>WAL gap on timeline 1: 1 segment missing, 000000010000000000000004");
            assertThat(figure).contains(">timeline 1</text>").contains(">timeline 2</text>")
                    .contains("class=\"switch\"").contains("class=\"drill failed\"").contains("pg_restore exited 1")
                    .contains("before V5").contains("class=\"backup full\"").contains("class=\"backup logical\"");
            // the default reaches 14 days back (no browser needed to read that)
            assertThat(section(ServeFixture.get(page.port(), "/").body(), "timeline-pitr")).contains("last 14 days");
        }
    }

    /**
     * The race behind a doubled restore_unproven alert: replica b clears the condition on seeing a
     * new drill while replica a, whose view was read before that drill, is about to raise it.
     */
    @Test
    void aReplicaWhoseViewIsOlderThanTheAllClearDoesNotRaiseTheConditionAgain() throws Exception {
        try (dev.pgnest.serve.schedule.JobStoreDatabase db = dev.pgnest.serve.schedule.JobStoreDatabase.open(fx.newJobStore(), 2)) {
            dev.pgnest.serve.alert.AlertState state = new dev.pgnest.serve.alert.AlertState(db.dataSource());
            String key = "restore_unproven:t";
            Instant lastDrill = Instant.parse("2026-12-06T10:00:00.5Z");
            Instant newDrill = lastDrill.plusSeconds(5);
            assertThat(state.raiseSince(key, lastDrill)).as("a alerts").isTrue();
            assertThat(state.raiseSince(key, lastDrill)).as("b, same view: already raised").isFalse();
            assertThat(state.clearAt(key, newDrill)).as("b sees the new drill").isTrue();
            assertThat(state.raiseSince(key, lastDrill)).as("a, view from before the new drill").isFalse();
            assertThat(state.clearAt(key, newDrill)).as("nothing left to clear").isFalse();
            assertThat(state.raiseSince(key, newDrill)).as("unproven again since the new drill").isTrue();

            // WAL lag: the views are measurements on the server's clock
            String lag = "wal_lag:t";
            Instant aSees = Instant.parse("2026-12-06T11:00:00Z");
            Instant bSeesCaughtUp = aSees.plusSeconds(2);
            assertThat(state.raiseSince(lag, aSees)).as("a alerts").isTrue();
            assertThat(state.clearAt(lag, bSeesCaughtUp)).as("b sees the archive caught up").isTrue();
            assertThat(state.raiseSince(lag, aSees.plusSeconds(1))).as("a, measured before b's all-clear").isFalse();
            assertThat(state.raiseSince(lag, bSeesCaughtUp.plusSeconds(30))).as("lagging again, measured later").isTrue();

            // a row an older pgnest left: its detail is no time, and holds nothing back
            String old = "wal_lag:upgraded";
            try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
                c.setAutoCommit(true);
                st.execute("INSERT INTO pgnest_serve.alert_state (key, active, changed_at, detail)"
                        + " VALUES ('" + old + "', false, now(), '3 segments, 120s')");
            }
            assertThat(state.raiseSince(old, aSees)).as("raised again after an upgrade").isTrue();
        }
    }

    @Test
    void restoreUnprovenAlertsOnceAcrossReplicasAndResolvesWhenADrillRunOutsideThemPasses() throws Exception {
        Repository repository;
        try (Storage s = fx.storageConfig().open()) {
            repository = Repository.open(s);
            LogicalBackup.run(repository, fx.target(), LogicalBackupOptions.defaults("proven"), BackupProgress.NONE);
            assertThat(drill(repository).passed()).isTrue();
            DatabaseConnection store = fx.newJobStore();
            try (ServeFixture.WebhookReceiver receiver = new ServeFixture.WebhookReceiver();
                 BackupService a = watcher(store, "proof-a", receiver);
                 BackupService b = watcher(store, "proof-b", receiver)) {
                a.start();
                b.start();
                List<JsonNode> seen = new java.util.ArrayList<>();
                JsonNode unproven = nextAlert(receiver, "restore_unproven", seen);
                assertThat(unproven.get("severity").asText()).isEqualTo("warning");
                assertThat(unproven.get("target").asText()).isEqualTo("proven");
                assertThat(unproven.get("message").asText()).startsWith("no restore drill of proven has passed for ")
                        .endsWith(", threshold 3s: run pgnest restore drill, or set schedule.drill");

                // a drill as pgnest restore drill runs it, by neither replica
                RestoreDrill.Result again = drill(repository);
                JsonNode resolved = nextAlert(receiver, "restore_unproven_resolved", seen);
                assertThat(resolved.get("message").asText()).isEqualTo("drill " + again.report().id() + " proved backup "
                        + again.report().backup().id() + " of proven restorable at " + again.report().finishedAt());
                assertThat(seen).extracting(j -> j.get("alert").asText())
                        .containsExactly("restore_unproven", "restore_unproven_resolved");
            }
        }
    }

    private static RestoreDrill.Result drill(Repository repository) {
        return RestoreDrill.run(repository, fx.target(), new RestoreDrill.Options("proven", null,
                RestoreDrill.Where.SCRATCH_DATABASE, null, null, PgBinaries.in(fx.pg.binDir()), List.of(), null, null, null),
                "pgnest test");
    }

    private static BackupService watcher(DatabaseConnection store, String id, ServeFixture.WebhookReceiver receiver) {
        return BackupService.builder(store).instanceId(id).schedulerOptions(ServeFixture.fastOptions())
                .statusTarget("proven").status(jobs.status())
                .unprovenAfter(Duration.ofSeconds(3)).monitorInterval(Duration.ofMillis(200))
                .alerts(Alerts.withWebhook(receiver.url(), "json")).build();
    }

    @Test
    void unknownPathsAnswer404AndWrongMethods405() throws Exception {
        assertThat(ServeFixture.get(service.port(), "/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + service.port() + "/metrics"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET");
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static JsonNode nextAlert(String type) throws Exception {
        return nextAlert(hook, type, new java.util.ArrayList<>());
    }

    /** The next alert of {@code type}; every body received until then goes to {@code seen}. */
    private static JsonNode nextAlert(ServeFixture.WebhookReceiver receiver, String type, List<JsonNode> seen) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String body = receiver.bodies.poll(1, TimeUnit.SECONDS);
            if (body != null) {
                JsonNode json = JSON.readTree(body);
                seen.add(json);
                if (json.get("alert").asText().equals(type)) {
                    return json;
                }
            }
        }
        throw new AssertionError("no " + type + " alert reached the webhook");
    }

    private static String scrape() {
        try {
            HttpResponse<String> r = ServeFixture.get(service.port(), "/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            return r.body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static double metric(String text, String name, String labels) {
        return PrometheusText.value(text, name, labels);
    }

    private static String section(String dom, String id) {
        int start = dom.indexOf("id=\"" + id + "\"");
        assertThat(start).as("element #%s in the page", id).isNotNegative();
        int end = dom.indexOf("</div>", start);
        return dom.substring(start, end);
    }

    private static List<JobRun> runs(String target) {
        try {
            return service.history().runs(target, JobKind.LOGICAL);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Formats times as the status page does. */
    static final class ServeFixtureTime {
        static String utc(Instant t) {
            return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                    .withZone(java.time.ZoneOffset.UTC).format(t);
        }
    }
}
