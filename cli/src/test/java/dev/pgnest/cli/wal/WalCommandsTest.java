package dev.pgnest.cli.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.shared.Format;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.WalSegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * pgnest check, backup physical, wal push|fetch|check in-process, against a real cluster whose
 * archive_command is the real CLI ({@code java dev.pgnest.cli.Pgnest wal push %p}) writing into
 * a filesystem repository.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@IntegrationTest
class WalCommandsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b
            .setting("wal_level", "replica")
            .setting("archive_mode", "on")
            .setting("archive_timeout", "60s")
            .setting("archive_command", pgnestCommand() + " wal push %p"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEGMENT = WalSegment.DEFAULT_SIZE;

    @TempDir
    static Path tmp;
    static PostgresCluster pg; // started by servers
    static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        Path repo = tmp.resolve("repo");
        pg.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 20000) g");
        env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", repo.toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString());
        assertThat(pgnest("repo", "init").exitCode()).isZero();
    }

    /** This module's pgnest as a shell command for archive_command, on an fs repository in tmp. */
    private static String pgnestCommand() {
        return CliProcess.shellCommand(tmp, Map.of("PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", tmp.resolve("repo").toString(),
                "PGNEST_WAL_SPOOL_DIR", tmp.resolve("spool").toString()));
    }

    static CliRun pgnest(String... args) {
        CliRun run = CliRun.run(env, tmp, args);
        assertThat(run.out() + run.err()).doesNotContain(pg.password());
        return run;
    }

    @Test
    @Order(1)
    void checkProvesTheArchiveReceivesASwitchedSegment() {
        CliRun run = pgnest("check");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok   wal_level: wal_level = replica")
                .containsPattern("ok   archive: segment [0-9A-F]{24} arrived in the archive after \\d+ ms")
                .contains("target and repository are ready for point-in-time recovery");
    }

    @Test
    @Order(2)
    void backupPhysicalThenWalCheckShowsItRestorable() throws Exception {
        CliRun backup = pgnest("backup", "physical", "--parallel", "2", "-o", "json");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        JsonNode json = JSON.readTree(backup.out());
        String id = json.path("manifest").path("id").asText();
        assertThat(id).endsWith("P");
        assertThat(json.path("method").asText()).isEqualTo("files");
        assertThat(json.path("manifest").path("physical").path("stopWal").asText()).matches("[0-9A-F]{24}");

        CliRun check = pgnest("wal", "check");
        assertThat(check.exitCode()).as(check.out()).isZero();
        assertThat(check.out()).contains("timeline 1:").containsPattern("backup " + id + ": from [0-9A-F]{24}, recoverable to the end of [0-9A-F]{24}")
                .contains("archive is complete");

        CliRun list = pgnest("backup", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains(id);
    }

    @Test
    @Order(3)
    void walPushIsIdempotentAndRefusesOtherContent() throws Exception {
        String name = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        awaitArchived(name);
        Path dir = Files.createDirectories(tmp.resolve("copy/pg_wal"));
        Path copy = dir.resolve(name);
        CliRun fetch = pgnest("wal", "fetch", "--prefetch", "0", name, copy.toString());
        assertThat(fetch.exitCode()).as(fetch.err()).isZero();
        assertThat(Files.size(copy)).isEqualTo(16L * 1024 * 1024);

        assertThat(pgnest("wal", "push", copy.toString()).exitCode()).isZero();

        byte[] bytes = Files.readAllBytes(copy);
        bytes[4096] ^= 0x01;
        Files.write(copy, bytes);
        CliRun different = pgnest("wal", "push", copy.toString());
        assertThat(different.exitCode()).isEqualTo(1);
        assertThat(different.err()).startsWith("error: WAL file " + name + " is already archived at ")
                .contains("with different content (first difference at byte 4096); refusing to overwrite it");
    }

    @Test
    @Order(4)
    void walFetchOfAMissingFileExitsOne() {
        CliRun run = pgnest("wal", "fetch", "00000009.history", tmp.resolve("nothing").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: 00000009.history is not in the WAL archive at ")
                .contains("normal at the end of recovery");
        assertThat(tmp.resolve("nothing")).doesNotExist();
    }

    @Test
    @Order(5)
    void checkFailsClearlyWhenArchivingIsBroken() {
        pg.execute("ALTER SYSTEM SET archive_command = 'false'");
        pg.execute("SELECT pg_reload_conf()");
        try {
            CliRun run = pgnest("check", "--timeout", "3");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).contains("WARN archive_command: archive_command = 'false'")
                    .containsPattern("FAIL archive: segment [0-9A-F]{24} did not reach the archive of target default within 3 s")
                    .contains("point-in-time recovery is NOT possible");
        } finally {
            pg.execute("ALTER SYSTEM RESET archive_command");
            pg.execute("SELECT pg_reload_conf()");
        }
    }

    @Test
    @Order(6)
    void backupListShowsEachPhysicalBackupsRestoreWindowEndingAtAGap() throws Exception {
        String id = physicalIds().get(0);
        JsonNode manifest = JSON.readTree(pgnest("backup", "show", id, "-o", "json").out()).path("manifest");
        String stopLsn = manifest.path("physical").path("stopLsn").asText();
        Instant endTime = Instant.parse(manifest.path("endTime").asText());
        String last = switchSegments(3);
        awaitArchived(last);
        List<String> segments = archivedSegments();
        String newest = segments.get(segments.size() - 1);
        assertThat(newest).isEqualTo(last);

        JsonNode row = listRow(id);
        assertThat(row.path("restorable").asBoolean()).isTrue();
        assertThat(Instant.parse(row.path("restorableFrom").asText())).isEqualTo(endTime);
        assertThat(row.path("restorableFromLsn").asText()).isEqualTo(stopLsn);
        assertThat(row.path("restorableToWal").asText()).isEqualTo(newest);
        assertThat(row.path("restorableToLsn").asText()).isEqualTo(endOf(newest));
        assertThat(Instant.parse(row.path("restorableTo").asText()))
                .isEqualTo(Files.getLastModifiedTime(walDir().resolve(newest + ".zst")).toInstant());
        assertThat(row.path("walGapAfter").asBoolean()).isFalse();
        CliRun list = pgnest("backup", "list");
        assertThat(list.out()).contains("  restorable from " + Format.time(endTime) + " (LSN " + stopLsn + ") to about "
                + Format.time(Instant.parse(row.path("restorableTo").asText())) + " (LSN " + endOf(newest) + ", end of "
                + newest + ")\n");

        // a hole after the backup ends its window there
        String hole = WalSegment.parse(newest, SEGMENT).plus(-1).name(SEGMENT);
        String beforeHole = WalSegment.parse(newest, SEGMENT).plus(-2).name(SEGMENT);
        assertThat(WalSegment.parse(beforeHole, SEGMENT).number())
                .isGreaterThanOrEqualTo(WalSegment.parse(manifest.path("physical").path("stopWal").asText(), SEGMENT).number());
        Path aside = tmp.resolve(hole + ".zst");
        Files.move(walDir().resolve(hole + ".zst"), aside);
        try {
            JsonNode gapped = listRow(id);
            assertThat(gapped.path("restorable").asBoolean()).isTrue();
            assertThat(gapped.path("restorableToWal").asText()).isEqualTo(beforeHole);
            assertThat(gapped.path("restorableToLsn").asText()).isEqualTo(endOf(beforeHole));
            assertThat(gapped.path("walGapAfter").asBoolean()).isTrue();
            assertThat(pgnest("backup", "list").out()).contains("(LSN " + endOf(beforeHole) + ", end of " + beforeHole
                    + "), where a gap in the WAL archive begins (pgnest wal check)");
            assertThat(pgnest("wal", "check").exitCode()).isEqualTo(3);

            // the same hole in the picture: backup list --output svg > window.svg
            Path svg = tmp.resolve("window.svg");
            Files.writeString(svg, pgnest("backup", "list", "--output", "svg").out());
            org.w3c.dom.Document picture = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(svg.toFile());
            assertThat(picture.getDocumentElement().getTagName()).isEqualTo("svg");
            assertThat(picture.getDocumentElement().getAttribute("role")).isEqualTo("img");
            javax.xml.xpath.XPath xpath = javax.xml.xpath.XPathFactory.newInstance().newXPath();
            assertThat(((Number) xpath.evaluate("count(//g[contains(@class,'backup full')])", picture,
                    javax.xml.xpath.XPathConstants.NUMBER)).intValue()).isEqualTo(physicalIds().size());
            assertThat(xpath.evaluate("//rect[@class='gap']/title", picture)).contains("1 segment missing, " + hole);
            assertThat(((Number) xpath.evaluate("count(//rect[@class='band'])", picture, javax.xml.xpath.XPathConstants.NUMBER))
                    .intValue()).isGreaterThanOrEqualTo(1);
            CliRun refused = pgnest("wal", "check", "--output", "svg");
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.err()).contains("--output svg is not available for this command");
        } finally {
            Files.move(aside, walDir().resolve(hole + ".zst"));
        }
        assertThat(listRow(id).path("restorableToWal").asText()).isEqualTo(newest);
    }

    @Test
    @Order(7)
    void backupExpireAlsoRemovesTheWalOnlyExpiredBackupsNeeded() throws Exception {
        String expiring = physicalIds().get(0);
        CliRun backup = pgnest("backup", "physical", "--parallel", "2", "-o", "json");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        JsonNode manifest = JSON.readTree(backup.out()).path("manifest");
        String kept = manifest.path("id").asText();
        String keptStart = manifest.path("physical").path("startWal").asText();
        List<String> before = archivedFiles();
        List<String> gone = before.stream().filter(n -> !n.endsWith(".history") && n.substring(0, 24).compareTo(keptStart) < 0)
                .toList();
        assertThat(gone).hasSizeGreaterThan(3).anyMatch(n -> n.endsWith(".backup"));

        CliRun dry = pgnest("backup", "expire", "--keep-last", "1", "--dry-run");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would delete " + expiring)
                .contains("WAL: would remove " + gone.size() + " files (")
                .contains("; kept from " + keptStart + " (the oldest kept physical backup's start)");
        JsonNode dryJson = JSON.readTree(pgnest("backup", "expire", "--keep-last", "1", "--dry-run", "-o", "json").out());
        assertThat(dryJson.path("wal").path("removed").asInt()).isEqualTo(gone.size());
        assertThat(dryJson.path("wal").path("keepFrom").asText()).isEqualTo(keptStart);
        assertThat(dryJson.path("wal").path("timelines").get(0).path("timeline").asInt()).isEqualTo(1);
        assertThat(dryJson.path("wal").path("timelines").get(0).path("firstKept").asText()).isEqualTo(keptStart);
        assertThat(dryJson.path("wal").path("notExpired").isNull()).isTrue();
        assertThat(archivedFiles()).containsAll(before);

        CliRun expire = pgnest("backup", "expire", "--keep-last", "1", "-o", "json");
        assertThat(expire.exitCode()).as(expire.err()).isZero();
        JsonNode done = JSON.readTree(expire.out());
        assertThat(done.path("deleted")).extracting(JsonNode::asText).contains(expiring).doesNotContain(kept);
        assertThat(done.path("wal").path("removed").asInt()).isEqualTo(gone.size());
        assertThat(done.path("wal").path("removedBytes").asLong()).isPositive();
        List<String> after = archivedFiles();
        assertThat(after).doesNotContainAnyElementsOf(gone).containsAll(before.stream().filter(n -> !gone.contains(n)).toList());
        assertThat(archivedSegments().get(0)).isEqualTo(keptStart);
        assertThat(pgnest("wal", "check").exitCode()).isZero();
        assertThat(listRow(kept).path("restorable").asBoolean()).isTrue();
    }

    static List<String> physicalIds() throws Exception {
        List<String> ids = new ArrayList<>();
        JSON.readTree(pgnest("backup", "list", "-o", "json").out()).forEach(r -> {
            if (r.path("kind").asText().equals("physical")) {
                ids.add(r.path("id").asText());
            }
        });
        return ids;
    }

    static JsonNode listRow(String id) throws Exception {
        for (JsonNode r : JSON.readTree(pgnest("backup", "list", "-o", "json").out())) {
            if (r.path("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("backup " + id + " not listed");
    }

    static String switchSegments(int n) {
        String last = null;
        for (int i = 0; i < n; i++) {
            pg.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g");
            last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        }
        return last;
    }

    static Path walDir() {
        return tmp.resolve("repo/default/wal/00000001");
    }

    /** Names of the archived files (without .zst), sorted. */
    static List<String> archivedFiles() throws Exception {
        try (var files = Files.list(walDir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".zst"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }

    static List<String> archivedSegments() throws Exception {
        return archivedFiles().stream().filter(n -> n.matches("[0-9A-F]{24}")).toList();
    }

    static String endOf(String segment) {
        return WalSegment.parse(segment, SEGMENT).endLsn(SEGMENT).toString();
    }

    static void awaitArchived(String name) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (pgnest("wal", "check", "-o", "json").out().contains(name)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " was not archived in 60 s\n" + pg.logTail());
    }
}
