package dev.pgnest.cli.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliProcess;
import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PitrEnvironment;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target archiving into a filesystem repository and an S3 one (wal.push-acknowledge: 1). The S3
 * server is stopped while the database is written to, then started again: archiving goes on into
 * the filesystem repository, the S3 one is reported behind, the WAL it missed is filled in once it
 * is back, and a PITR from either repository gives the same table checksums.
 */
@IntegrationTest
class TwoRepositoriesTest {
    static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from t";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica").setting("archive_mode", "on")
            .setting("archive_command", CliProcess.shellCommand(tmp, Map.of("PGNEST_CONFIG", tmp.resolve("pgnest.yml").toString(),
                    "PGNEST_LOG_LEVEL", "warn")) + " wal push %p"));
    static PostgresCluster pg; // started by servers

    @Test
    void walMissedWhileS3WasDownIsFilledInAndPitrFromEitherRepositoryGivesTheSameTables() throws Exception {
        Path s3Dir = Files.createDirectories(tmp.resolve("s3"));
        S3Server s3 = S3Server.onDirectory(s3Dir);
        s3.createBucket("offsite");
        FaultyProxy proxy = servers.closeAfterAll(FaultyProxy.inFrontOf(s3.endpoint(), 1));
        Map<String, String> env = writeConfig(s3, proxy);

        assertOk(CliRun.run(env, tmp, "repo", "init", "--repo", "local"));
        assertOk(CliRun.run(env, tmp, "repo", "init", "--repo", "offsite"));
        pg.execute("create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 5000) g");
        Map<String, String> backupIds = new HashMap<>();
        for (String repo : new String[] {"local", "offsite"}) {
            CliRun backup = CliRun.run(env, tmp, "backup", "physical", "--repo", repo, "-o", "json");
            assertOk(backup);
            backupIds.put(repo, JSON.readTree(backup.out()).path("manifest").path("id").asText());
        }
        CliRun list = CliRun.run(env, tmp, "backup", "list");
        assertOk(list);
        assertThat(list.out()).containsSubsequence("== repository local", backupIds.get("local"),
                "== repository offsite", backupIds.get("offsite"));

        // the S3 server goes away while the database is written to
        s3.close();
        String last = null;
        for (int i = 0; i < 3; i++) {
            pg.execute("update t set v = md5(v) where id % 3 = " + i + "; insert into t select g, 'down' from generate_series("
                    + (10000 + i * 1000) + ", " + (10999 + i * 1000) + ") g");
            last = pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        }
        awaitInLocal(last);
        String atTarget = pg.queryForString(CHECKSUM);
        String targetTime = pg.queryForString("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        pg.execute("delete from t where id > 12000"); // after the target: never in the restored tables

        CliRun behind = CliRun.run(env, tmp, "wal", "check");
        assertThat(behind.exitCode()).as(behind.out() + behind.err()).isEqualTo(3);
        assertThat(behind.out()).contains("== repository local\n").containsPattern("== repository offsite: BEHIND, \\d+ WAL files");

        // back on another port behind the same endpoint; the next pushes fill in what it missed
        S3Server again = servers.closeAfterAll(S3Server.onDirectory(s3Dir));
        proxy.upstream(again.endpoint());
        writeConfig(again, proxy); // the test store makes new keys on every start
        pg.execute("insert into t select g, 'after' from generate_series(20000, 20999) g");
        pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        JsonNode check = awaitComplete(env);
        assertThat(check.path("repositories")).hasSize(2);
        for (JsonNode repo : check.path("repositories")) {
            assertThat(repo.path("queuedFiles").asInt()).as(repo.toString()).isZero();
            assertThat(repo.path("gaps")).as(repo.toString()).isEmpty();
            assertThat(repo.path("timelines").path(0).path("ranges")).as(repo.toString()).hasSize(1);
        }

        CliRun repoCheck = CliRun.run(env, tmp, "repo", "check");
        assertOk(repoCheck);
        assertThat(repoCheck.out()).containsSubsequence("== repository local", "repository is clean",
                "== repository offsite", "repository is clean");

        // without --repo: the first repository holding a backup (local); with --repo offsite, that one's
        // backup and, through restore_command's PGNEST_REPOSITORY, that one's WAL alone
        for (String repo : new String[] {"local", "offsite"}) {
            Path restored = tmp.resolve("restored-" + repo);
            CliRun pitr = repo.equals("local")
                    ? CliRun.run(env, tmp, "restore", "pitr", "--to-time", targetTime, "--data-dir", restored.toString(),
                            "--port", "" + PitrEnvironment.freePort(), "--no-archive")
                    : CliRun.run(env, tmp, "restore", "pitr", "--repo", repo, "--to-time", targetTime, "--data-dir",
                            restored.toString(), "--port", "" + PitrEnvironment.freePort(), "--no-archive");
            assertOk(pitr);
            assertThat(pitr.out()).startsWith("restored backup " + backupIds.get(repo) + " into " + restored);
            try (PostgresCluster copy = PostgresCluster.builder().binDir(pg.binDir()).existingDataDir(restored)
                    .password(pg.password()).setting("archive_mode", "off").start()) {
                assertThat(copy.queryForString(CHECKSUM)).as("PITR from " + repo).isEqualTo(atTarget);
            }
        }
    }

    @Test
    void aTargetNamingAnUndefinedRepositoryIsRefusedBeforeAnythingIsArchived() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(dir.resolve("pgnest.yml"), """
                repositories:
                  local:
                    type: fs
                    path: %s
                targets:
                  main:
                    url: postgresql://app@127.0.0.1:5432/app
                    repositories: [local, ofsite]
                """.formatted(dir.resolve("local")));
        Path wal = Files.write(dir.resolve("000000010000000000000001"), new byte[16]);
        CliRun push = CliRun.run(Map.of("PGNEST_CONFIG", dir.resolve("pgnest.yml").toString()), dir, "wal", "push", wal.toString());
        assertThat(push.exitCode()).isEqualTo(2);
        assertThat(push.err()).isEqualTo("error: repository 'ofsite' of targets.main.repositories is not defined in pgnest.yml: "
                + "define repositories.ofsite or choose among: local\n");
        assertThat(dir.resolve("local")).doesNotExist();
    }

    /** pgnest.yml with both repositories; the secrets of the one not selected can only come from the file. */
    static Map<String, String> writeConfig(S3Server s3, FaultyProxy proxy) throws Exception {
        String osUser = PitrEnvironment.restoreOsUser(pg);
        Path launcher = CliProcess.script(tmp.resolve("pgnest"), Map.of("PGNEST_LOG_LEVEL", "warn"));
        Files.writeString(tmp.resolve("pgnest.yml"), """
                pg:
                  bin-dir: %s
                wal:
                  spool-dir: %s
                restore:
                  os-user: %s
                  launcher: %s
                  report-dir: %s
                  scratch-dir: %s
                repositories:
                  local:
                    type: fs
                    path: %s
                  offsite:
                    type: s3
                    s3:
                      bucket: offsite
                      endpoint: %s
                      access-key-id: %s
                      secret-access-key: %s
                      max-attempts: 1
                targets:
                  main:
                    url: postgresql://%s@127.0.0.1:%d/postgres
                    password: %s
                    repositories: [local, offsite]
                    wal:
                      push-acknowledge: 1
                """.formatted(pg.binDir(), tmp.resolve("spool"), osUser, launcher, tmp.resolve("reports"), tmp.resolve("scratch"),
                tmp.resolve("local"), proxy.endpoint(), s3.accessKeyId(), s3.secretAccessKey(),
                pg.user(), pg.port(), pg.password()));
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_CONFIG", tmp.resolve("pgnest.yml").toString());
        env.put("TMPDIR", tmp.toString());
        return env;
    }

    static void awaitInLocal(String segment) throws InterruptedException {
        Path file = tmp.resolve("local/main/wal/00000001/" + segment + ".zst");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as(segment + " not archived in local in 120 s\n" + pg.logTail()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static JsonNode awaitComplete(Map<String, String> env) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            CliRun check = CliRun.run(env, tmp, "wal", "check", "-o", "json");
            if (check.exitCode() == 0) {
                return JSON.readTree(check.out());
            }
            assertThat(System.nanoTime()).as("archives not complete in 120 s\n" + check.out() + check.err() + "\n"
                    + pg.logTail()).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    static void assertOk(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out() + run.err()).doesNotContain(pg.password());
    }
}
