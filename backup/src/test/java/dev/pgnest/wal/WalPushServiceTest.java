package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.push.WalPushService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * archive_command = the launcher: with the push service running, segments go through its
 * loopback endpoint (no JVM per segment); without it, through the direct path. Either way the
 * archive holds every segment, gap-free.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class WalPushServiceTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("repo");

    static final long SEGMENT = WalSegment.DEFAULT_SIZE;

    @TempDir
    static Path tmp;
    static S3Server s3; // started by servers
    static Storage storage;
    static WalArchive archive;
    static PostgresCluster pg; // started in @BeforeAll, closed by servers
    static Path spool;
    static Path fallbackLog;
    static Path launcher;
    static String firstSegment;

    @BeforeAll
    static void start() throws IOException {
        Properties config = new Properties();
        config.setProperty("repo.type", "s3");
        config.setProperty("s3.endpoint", s3.endpoint().toString());
        config.setProperty("s3.bucket", "repo");
        config.setProperty("s3.accessKeyId", s3.accessKeyId());
        config.setProperty("s3.secretAccessKey", s3.secretAccessKey());
        config.setProperty("target", "main");
        String fixture = WalCommandFixture.command(tmp, config);
        storage = S3StorageConfig.builder("repo").endpoint(s3.endpoint()).region("us-east-1").pathStyle(true)
                .credentials(s3.accessKeyId(), s3.secretAccessKey()).build().open();
        servers.closeAfterAll(storage);
        Repository.init(storage);
        archive = new WalArchive(storage, "main", Compression.ZSTD, 3);
        spool = tmp.resolve("spool");
        fallbackLog = tmp.resolve("fallbacks.log");
        Files.createFile(fallbackLog);
        launcher = FastPathLauncher.write(tmp, fixture, spool, fallbackLog);
        // archive_command names the launcher written above, so this cluster starts here
        pg = servers.closeAfterAll(PostgresCluster.builder()
                .setting("wal_level", "replica")
                .setting("archive_mode", "on")
                .setting("archive_command", launcher + " wal push %p")
                .start());
        pg.execute("CREATE TABLE t (id serial, payload text)");
        firstSegment = pg.queryForString("SELECT pg_walfile_name(pg_current_wal_lsn())");
    }

    @Test
    @Order(1)
    void withTheServiceRunningEverySegmentGoesThroughItsEndpoint() throws IOException {
        try (WalPushService service = WalPushService.start(archive, WalSpool.at(spool), 0, 4)) {
            assertThat(Files.getPosixFilePermissions(spool.resolve("push-endpoint")))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            String last = writeLoad(12);
            awaitArchived(last);
            assertThat(service.acknowledged()).isGreaterThanOrEqualTo(12);
            assertThat(service.uploaded()).isGreaterThanOrEqualTo(12);
        }
        assertThat(Files.readAllLines(fallbackLog)).isEmpty();
        assertThat(spool.resolve("push-endpoint")).doesNotExist();
        assertGapFree();
    }

    @Test
    @Order(2)
    void withoutTheServiceTheDirectPathArchives() throws IOException {
        String last = writeLoad(3);
        awaitArchived(last);
        assertThat(Files.readAllLines(fallbackLog)).isNotEmpty().allMatch(l -> l.startsWith("wal push pg_wal/"));
        assertGapFree();
    }

    @Test
    @Order(3)
    void aStaleEndpointFileFallsBackToTheDirectPath() throws IOException {
        Files.writeString(spool.resolve("push-endpoint"), "127.0.0.1 1 deadbeef\n");
        long before = Files.readAllLines(fallbackLog).size();
        String last = writeLoad(1);
        awaitArchived(last);
        assertThat(Files.readAllLines(fallbackLog).size()).isGreaterThan((int) before);
        Files.delete(spool.resolve("push-endpoint"));
    }

    @Test
    @Order(4)
    void differentContentThroughTheEndpointFailsWithTheReasonAndKeepsTheOriginal() throws Exception {
        String name = archive.contents().last().orElseThrow().name(SEGMENT);
        Path dir = Files.createDirectories(tmp.resolve("other/pg_wal"));
        Path changed = dir.resolve(name);
        archive.fetch(name, changed);
        byte[] bytes = Files.readAllBytes(changed);
        bytes[100_000] ^= 1;
        Files.write(changed, bytes);
        byte[] stored = storage.getBytes(RepositoryLayout.walKey("main", name, Compression.ZSTD));
        try (WalPushService service = WalPushService.start(archive, WalSpool.at(spool), 0, 2)) {
            Process p = new ProcessBuilder(launcher.toString(), "wal", "push", changed.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).isEqualTo(1);
            assertThat(output).contains("with different content (first difference at byte 100000); refusing to overwrite it");
            assertThat(service.acknowledged()).isZero();
        }
        assertThat(storage.getBytes(RepositoryLayout.walKey("main", name, Compression.ZSTD))).isEqualTo(stored);
    }

    @Test
    @Order(5)
    void theEndpointRefusesWrongTokensAndOtherTargets() throws Exception {
        try (WalPushService service = WalPushService.start(archive, WalSpool.at(spool), 0, 2)) {
            String[] endpoint = Files.readString(spool.resolve("push-endpoint")).strip().split(" ");
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.function.BiFunction<String, String, Integer> post = (token, target) -> {
                var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + endpoint[1] + "/wal/push"))
                        .header("Authorization", "Bearer " + token)
                        .header(WalPushService.PATH_HEADER, tmp.resolve("pg_wal/000000010000000000000001").toString())
                        .header(WalPushService.TARGET_HEADER, target)
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build();
                try {
                    return http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertThat(post.apply("wrong", "main")).isEqualTo(401);
            assertThat(post.apply(endpoint[2], "other")).isEqualTo(421);
            assertThat(service.acknowledged()).isZero();
        }
    }

    static void assertGapFree() {
        WalArchive.Contents contents = archive.contents();
        WalSegment first = WalSegment.parse(firstSegment, SEGMENT);
        List<WalCoverage.Range> missing = WalCoverage.missing(contents.segments(), first,
                contents.last().orElseThrow().number(), TimelineHistory.first(), SEGMENT);
        assertThat(missing).isEmpty();
    }

    static String writeLoad(int segments) {
        String last = null;
        for (int i = 0; i < segments; i++) {
            pg.execute("INSERT INTO t (payload) SELECT md5(g::text) FROM generate_series(1, 2000) g");
            last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        }
        return last;
    }

    static void awaitArchived(String segment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!archive.contains(segment)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("segment " + segment + " not archived in 90 s\n" + pg.logTail());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
