package dev.pgnest.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupMarker;
import dev.pgnest.repository.ProcessIdentity;
import dev.pgnest.repository.RepositoryJson;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** pgnest repo … and pgnest backup … in-process, against a real cluster and the in-process S3 server. */
@IntegrationTest
class BackupCommandsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
        pg.execute("app", "create table items (id int primary key, name text); "
                + "insert into items select g, 'item ' || g from generate_series(1, 5000) g;");
    }

    /** A fresh repository (its own S3 prefix) per test. */
    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_S3_BUCKET", "backups");
        env.put("PGNEST_S3_PREFIX", "cli" + PREFIX.incrementAndGet());
        env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        return env;
    }

    private CliRun pgnest(Map<String, String> env, String... args) {
        CliRun run = CliRun.run(env, dir, args);
        assertThat(run.out() + run.err()).doesNotContain(s3.secretAccessKey()).doesNotContain(pg.password());
        return run;
    }

    @Test
    void repoInitCreatesTheRepositoryOnceAndCommandsRefuseAnUninitializedOne() throws Exception {
        Map<String, String> env = env();
        String location = "s3://backups/" + env.get("PGNEST_S3_PREFIX");

        CliRun before = pgnest(env, "backup", "list");
        assertThat(before.exitCode()).isEqualTo(1);
        assertThat(before.err()).isEqualTo("error: no pgnest repository at " + location
                + " (pgnest-repository.json is missing): run pgnest repo init to create one, or fix the repository settings\n");

        CliRun init = pgnest(env, "repo", "init");
        assertThat(init.exitCode()).isZero();
        assertThat(init.out()).isEqualTo("initialized repository " + location + " (format 1)\n");

        CliRun again = pgnest(env, "repo", "init", "--output", "json");
        assertThat(again.exitCode()).isZero();
        JsonNode json = JSON.readTree(again.out());
        assertThat(json.get("repository").asText()).isEqualTo(location);
        assertThat(json.get("format").asInt()).isEqualTo(1);
        assertThat(json.get("created").asBoolean()).isFalse();

        assertThat(pgnest(env, "backup", "list").out()).isEqualTo("no backups of target default in " + location + "\n");
    }

    @Test
    void backupListShowVerifyAndExpire() throws Exception {
        Map<String, String> env = env();
        assertThat(pgnest(env, "repo", "init").exitCode()).isZero();

        CliRun first = pgnest(env, "backup", "logical", "--tag", "nightly");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).matches("backup \\d{8}-\\d{6}L of target default \\(database app, schema version none\\): "
                + "[\\d.]+ (KiB|MiB) dumped, [\\d.]+ KiB stored \\(zstd\\), [\\d.]+ s\n");
        String id1 = first.out().substring(7, 23);
        Thread.sleep(1100);
        CliRun second = pgnest(env, "backup", "logical", "--output", "json");
        assertThat(second.exitCode()).isZero();
        JsonNode manifest = JSON.readTree(second.out());
        String id2 = manifest.get("id").asText();
        assertThat(manifest.get("kind").asText()).isEqualTo("logical");
        assertThat(manifest.get("logical").get("database").asText()).isEqualTo("app");
        assertThat(manifest.get("objects").get(0).get("sha256").asText()).hasSize(64);

        // list, text and JSON
        CliRun list = pgnest(env, "backup", "list");
        assertThat(list.exitCode()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("ID                KIND     STARTED");
        assertThat(lines.get(1)).startsWith(id1 + "  logical  ").contains(" never    never                nightly");
        assertThat(lines.get(2)).startsWith(id2 + "  logical  ").endsWith(" never");
        JsonNode rows = JSON.readTree(pgnest(env, "backup", "list", "-o", "json").out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("id").asText()).isEqualTo(id1);
        assertThat(rows.get(0).get("tags").get(0).asText()).isEqualTo("nightly");
        assertThat(rows.get(0).get("storedSize").asLong()).isPositive();
        assertThat(rows.get(0).get("verified").asText()).isEqualTo("never");

        // show
        CliRun show = pgnest(env, "backup", "show", id1);
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("id:             " + id1, "database:       app", "pg_dump:        pg_dump (PostgreSQL) 15.",
                "tags:           nightly", "verified:       never", "objects:\n  dump.pgdump.zst  ");
        JsonNode detail = JSON.readTree(pgnest(env, "backup", "show", "latest", "-o", "json").out());
        assertThat(detail.get("manifest").get("id").asText()).isEqualTo(id2);

        // verify
        CliRun verify = pgnest(env, "backup", "verify", "--all", "--deep");
        assertThat(verify.exitCode()).as(verify.out()).isZero();
        assertThat(verify.out().lines()).hasSize(2).allMatch(l -> l.matches("\\d{8}-\\d{6}L ok \\(deep\\): .* checked in .*"));
        assertThat(pgnest(env, "backup", "list").out().lines().skip(1)).allMatch(l -> l.matches(".* ok( .*)?"));

        // expire: dry run first, then for real
        CliRun dry = pgnest(env, "backup", "expire", "--keep-last", "1", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).isEqualTo("would delete " + id1 + "\nkeep   " + id2 + "  (newest, newest verified, last 1)\n"
                + "dry run: would delete 1 of 2 backups of target default (keeping last 1)\n");
        assertThat(JSON.readTree(pgnest(env, "backup", "list", "-o", "json").out())).hasSize(2);
        CliRun expire = pgnest(env, "backup", "expire", "--keep-last", "1", "-o", "json");
        assertThat(JSON.readTree(expire.out()).get("deleted").get(0).asText()).isEqualTo(id1);
        JsonNode after = JSON.readTree(pgnest(env, "backup", "list", "-o", "json").out());
        assertThat(after).hasSize(1);
        assertThat(after.get(0).get("id").asText()).isEqualTo(id2);

        CliRun unknown = pgnest(env, "backup", "show", id1);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: backup " + id1 + " does not exist in target 'default'");
    }

    @Test
    void verifyOfACorruptedBackupFailsWithExitOneAndNamesTheObject() {
        Map<String, String> env = env();
        pgnest(env, "repo", "init");
        String id = pgnest(env, "backup", "logical").out().substring(7, 23);
        damageOneByte(env, id);

        CliRun verify = pgnest(env, "backup", "verify", "latest");
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out()).startsWith(id + " FAILED: ").contains("\n  dump.pgdump.zst: SHA-256 ");
        assertThat(pgnest(env, "backup", "list").out()).contains(" failed");
    }

    /** Issue 21's retention hole: the newest backup is damaged, and keep-last 1 must not keep only it. */
    @Test
    void expireCountsABackupThatFailedVerificationForNothingAndKeepsTheNewestSoundOne() throws Exception {
        Map<String, String> env = env();
        pgnest(env, "repo", "init");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(pgnest(env, "backup", "logical").out().substring(7, 23));
        }
        damageOneByte(env, ids.get(2));
        assertThat(pgnest(env, "backup", "verify", "latest").out()).startsWith(ids.get(2) + " FAILED: ");
        CliRun list = pgnest(env, "backup", "list");
        assertThat(list.out()).contains(ids.get(2) + "  logical  ", "\n  DAMAGED: verification failed at ");

        CliRun expire = pgnest(env, "backup", "expire", "--keep-last", "1");
        assertThat(expire.exitCode()).isZero();
        assertThat(expire.out()).startsWith("delete " + ids.get(0) + "\nkeep   " + ids.get(1) + "  (newest, last 1)\ndelete "
                + ids.get(2) + "  (damaged: verification failed at ").contains("deleted 2 of 3 backups of target default");
        JsonNode left = JSON.readTree(pgnest(env, "backup", "list", "-o", "json").out());
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("id").asText()).isEqualTo(ids.get(1));
        // what is left restores: pg_restore reads the whole dump
        CliRun verify = pgnest(env, "backup", "verify", "--all", "--deep");
        assertThat(verify.exitCode()).as(verify.out()).isZero();
        assertThat(verify.out()).startsWith(ids.get(1) + " ok (deep): ");
    }

    @Test
    void backupShowListsEveryVerificationOfTheBackupOldestFirst() throws Exception {
        Map<String, String> env = env();
        pgnest(env, "repo", "init");
        String id = pgnest(env, "backup", "logical").out().substring(7, 23);
        assertThat(pgnest(env, "backup", "verify", id).out()).startsWith(id + " ok: ");
        damageOneByte(env, id);
        assertThat(pgnest(env, "backup", "verify", id, "--deep").out()).startsWith(id + " FAILED");

        CliRun show = pgnest(env, "backup", "show", id);
        assertThat(show.out()).containsPattern("verified: +FAILED \\(deep\\) at ")
                .containsPattern("verifications:\n  \\S+ \\S+  ok  by pgnest \\S+\n  \\S+ \\S+  FAILED \\(deep\\)  by pgnest \\S+\n"
                        + "    problem: dump.pgdump.zst: ");
        JsonNode detail = JSON.readTree(pgnest(env, "backup", "show", id, "-o", "json").out());
        JsonNode history = detail.get("verifications");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("ok").asBoolean()).isTrue();
        assertThat(history.get(1).get("ok").asBoolean()).isFalse();
        assertThat(history.get(1).get("deep").asBoolean()).isTrue();
        assertThat(history.get(1).get("problems").get(0).asText()).startsWith("dump.pgdump.zst: ");
        assertThat(detail.get("verification").get("time").asText()).isEqualTo(history.get(1).get("time").asText());
        // the history is not data: verify still checks exactly the manifest's objects
        CliRun again = pgnest(env, "backup", "verify", id);
        assertThat(again.out()).startsWith(id + " FAILED").doesNotContain("verifications/");
    }

    private void damageOneByte(Map<String, String> env, String id) {
        String key = env.get("PGNEST_S3_PREFIX") + "/" + RepositoryLayout.backupObjectKey("default", id, "dump.pgdump.zst");
        byte[] bytes = s3.client().getObjectAsBytes(b -> b.bucket("backups").key(key)).asByteArray();
        bytes[bytes.length / 3] ^= 0x40;
        s3.client().putObject(b -> b.bucket("backups").key(key), RequestBody.fromBytes(bytes));
    }

    @Test
    void repoCheckReportsThenRemovesTheLeftoversOfADeadBackup() throws Exception {
        Map<String, String> env = env();
        pgnest(env, "repo", "init");
        assertThat(pgnest(env, "repo", "check").out()).endsWith("repository is clean\n");

        // a backup whose process is gone: its marker and one object
        String prefix = env.get("PGNEST_S3_PREFIX") + "/";
        String id = "20240101-000000L";
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        ProcessIdentity here = ProcessIdentity.current();
        ProcessIdentity dead = new ProcessIdentity(here.host(), here.bootId(), here.pidNamespace(), p.pid(), Instant.now());
        byte[] marker = RepositoryJson.write(new BackupMarker(id, BackupKind.LOGICAL, dead, Instant.now(), Instant.now()));
        s3.client().putObject(b -> b.bucket("backups").key(prefix + RepositoryLayout.inProgressKey("default", id)),
                RequestBody.fromBytes(marker));
        s3.client().putObject(b -> b.bucket("backups").key(prefix + RepositoryLayout.backupObjectKey("default", id, "dump.pgdump.zst")),
                RequestBody.fromBytes(new byte[] {1, 2, 3}));

        CliRun dry = pgnest(env, "repo", "check", "--dry-run");
        assertThat(dry.exitCode()).isEqualTo(3);
        assertThat(dry.out()).contains("  incomplete backup (would remove): s3://backups/" + prefix + "default/backups/" + id
                + "/ - no manifest; its backup process (pid " + p.pid() + " on ").endsWith("1 problem(s) need attention\n");

        CliRun check = pgnest(env, "repo", "check", "-o", "json");
        assertThat(check.exitCode()).isZero();
        JsonNode finding = JSON.readTree(check.out()).get("findings").get(0);
        assertThat(finding.get("kind").asText()).isEqualTo("INCOMPLETE_BACKUP");
        assertThat(finding.get("removed").asBoolean()).isTrue();
        assertThat(pgnest(env, "repo", "check").out()).endsWith("repository is clean\n");
        assertThat(s3.client().listObjectsV2(b -> b.bucket("backups").prefix(prefix + "default/")).contents()).isEmpty();
    }

    @Test
    void configurationMistakesExitTwoNamingTheSetting() {
        Map<String, String> env = env();
        env.put("PGNEST_REPO_TYPE", "fs");
        CliRun run = pgnest(env, "repo", "init");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: PGNEST_REPO_PATH is not set: set it, pass --repo-path");

        env.put("PGNEST_REPO_PATH", dir.resolve("repo").toString());
        assertThat(pgnest(env, "repo", "init").out()).startsWith("initialized repository " + dir.resolve("repo"));
        CliRun neither = pgnest(env, "backup", "verify");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).isEqualTo("error: verify needs a backup id or --all, not both or neither: "
                + "pass an id from pgnest backup list, latest, or --all\n");
        CliRun age = pgnest(env, "backup", "expire", "--max-age", "a while");
        assertThat(age.exitCode()).isEqualTo(2);
        assertThat(age.err()).isEqualTo("error: invalid retention.max-age from flag --max-age: 'a while' is not a duration: "
                + "expected duration (30s, 15m, 2h, 7d, 8w)\n");
        CliRun noRule = pgnest(env, "backup", "expire");
        assertThat(noRule.exitCode()).isEqualTo(2);
        assertThat(noRule.err()).contains("no retention rule is set");
    }
}
