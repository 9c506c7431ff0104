package dev.pgnest.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate rehearse} end to end: a seeded target at V1, a logical backup of it in an fs
 * repository, and pending migrations rehearsed on scratch restores of that backup; and the same
 * tracer without data, {@code migrate lint --trace}, on a shadow database.
 */
@IntegrationTest
class MigrateRehearseCommandTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String V1 = "CREATE TABLE feedings (id bigint PRIMARY KEY, baby_id int NOT NULL, ml int, note text);";
    /** The target as a whole: rows, schema and migration history. */
    private static final String TARGET_STATE = "select md5(string_agg(f::text, '|' order by id)) || ' '"
            + " || (select count(*) from pg_indexes where tablename = 'feedings') || ' '"
            + " || (select count(*) from pg_constraint where conrelid = 'feedings'::regclass) || ' '"
            + " || (select string_agg(version || ':' || success, ',' order by installed_rank) from flyway_schema_history) || ' '"
            + " || (select data_type from information_schema.columns where table_name = 'feedings' and column_name = 'ml')"
            + " from feedings f";

    private static PostgresCluster pg; // started by servers
    @TempDir
    static Path tmp;
    private static String before;

    @BeforeAll
    static void seededTargetAtV1WithABackup() throws Exception {
        pg.createDatabase("app");
        Path v1 = migrations("v1");
        CliRun deploy = pgnest(v1, "migrate", "deploy");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        // 200,000 feedings (about 20 MiB with the index); baby 7 logged twice the same note
        pg.execute("app", "INSERT INTO feedings SELECT g, g % 500, g % 300, 'feeding ' || (g % 1000) FROM generate_series(1, 200000) g");
        CliRun init = pgnest(v1, "repo", "init");
        assertThat(init.exitCode()).as(init.err()).isZero();
        CliRun backup = pgnest(v1, "backup", "logical");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        before = pg.queryForString("app", TARGET_STATE);
    }

    private static Path migrations(String name, String... files) throws Exception {
        return migrations(tmp, name, files);
    }

    /** {@code root/name} holding V1 and {@code files} as V2, V3...: the migrations a rehearsal finds pending. */
    static Path migrations(Path root, String name, String... files) throws Exception {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("V1__feedings.sql"), V1);
        for (int i = 0; i < files.length; i++) {
            Files.writeString(dir.resolve("V" + (i + 2) + "__step" + (i + 2) + ".sql"), files[i]);
        }
        return dir;
    }

    private static Map<String, String> env() {
        Map<String, String> env = targetEnv(pg, tmp);
        env.put("PGNEST_RESTORE_STAGING_DIR", tmp.resolve("staging").toString());
        env.put("PGNEST_DRILL_MODE", "database");
        return env;
    }

    /** Target {@code app} of {@code pg}, an fs repository and the reports under {@code root}. */
    static Map<String, String> targetEnv(PostgresCluster pg, Path root) {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", root.resolve("repo").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", root.resolve("reports").toString());
        return env;
    }

    private static CliRun pgnest(Path migrations, String... args) {
        return pgnest(env(), migrations, args);
    }

    private static CliRun pgnest(Map<String, String> env, Path migrations, String... args) {
        return pgnest(env, tmp, migrations, args);
    }

    /** pgnest in {@code dir}; a migrate command gets {@code --migrations}. */
    static CliRun pgnest(Map<String, String> env, Path dir, Path migrations, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--migrations";
        all[args.length + 1] = migrations.toString();
        return CliRun.run(env, dir, args[0].equals("migrate") ? all : args);
    }

    private static void assertTargetUntouchedAndNoScratchLeft() {
        assertThat(pg.queryForString("app", TARGET_STATE)).isEqualTo(before);
        assertThat(pg.queryForString("select count(*) from pg_database where datname like 'pgnest_drill_%'")).isEqualTo("0");
    }

    /** The Markdown report a rehearsal printed the path of. */
    static Path report(CliRun run) {
        return Path.of(run.out().lines().filter(l -> l.startsWith("report: ")).findFirst().orElseThrow().substring(8));
    }

    @Test
    void uniqueIndexOnDuplicateRowsFailsInTheRehearsalAndTheTargetIsUntouched() throws Exception {
        Path dir = migrations("unique", "CREATE UNIQUE INDEX feedings_baby_note ON feedings (baby_id, note);",
                "ALTER TABLE feedings ADD COLUMN source text;");

        Map<String, String> env = env();
        env.remove("PGNEST_DRILL_MODE");

        CliRun run = pgnest(env, dir, "migrate", "rehearse", "--mode", "database");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).contains("V2__step2.sql\n  line 1: ",
                ", FAILED 23505: ERROR: could not create unique index \"feedings_baby_note\"",
                "attention: V2__step2.sql:1 failed because of the data: ERROR: could not create unique index \"feedings_baby_note\"")
                .doesNotContain("V3__step3.sql");
        assertThat(run.out()).containsPattern("rehearsal rehearsal-\\d{8}-\\d{6} of target default on backup \\S+: "
                + "1 migrations, 1 statements, 1 need attention\n");
        String md = Files.readString(report(run));
        assertThat(md).startsWith("# Rehearsal report rehearsal-").contains("**NEEDS ATTENTION** — 1 pending migrations of target `default`",
                "(schema version 1)", "**23505** ERROR: could not create unique index", "(caused by the data)",
                "## Restore of the scratch copy", "| pg_restore |", "| drop scratch database |");
        JsonNode json = JSON.readTree(report(run).resolveSibling(report(run).getFileName().toString().replace(".md", ".json")).toFile());
        assertThat(json.at("/trace/migrations/0/statements/0/failure/dataCaused").asBoolean()).isTrue();
        assertThat(json.at("/needsAttention").asBoolean()).isTrue();
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void typeChangeOnALargeTableIsAReportedRewriteUnderAccessExclusiveWithItsDuration() throws Exception {
        Path dir = migrations("retype", "ALTER TABLE feedings ALTER COLUMN ml TYPE bigint;");
        Map<String, String> env = env();
        env.put("PGNEST_REHEARSE_REWRITE_THRESHOLD", "1MiB");

        CliRun run = pgnest(env, dir, "migrate", "rehearse", "-o", "json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        JsonNode r = JSON.readTree(run.out());
        JsonNode statement = r.at("/trace/migrations/0/statements/0");
        assertThat(statement.get("sql").asText()).isEqualTo("ALTER TABLE feedings ALTER COLUMN ml TYPE bigint");
        JsonNode lock = null;
        for (JsonNode l : statement.get("locks")) {
            boolean exclusive = l.get("mode").asText().equals("AccessExclusiveLock");
            lock = l.get("relation").asText().equals("public.feedings") && exclusive ? l : lock;
        }
        assertThat(lock).as(statement.toString()).isNotNull();
        assertThat(lock.get("preexisting").asBoolean()).isTrue();
        assertThat(lock.get("blocksReads").asBoolean()).isTrue();
        assertThat(lock.get("heldMs").asLong()).isGreaterThanOrEqualTo(statement.get("durationMs").asLong());
        assertThat(statement.get("rewrites")).extracting(w -> w.get("kind").asText() + " " + w.get("relation").asText())
                .contains("table public.feedings", "index public.feedings_pkey");
        long tableBytes = statement.get("rewrites").get(0).get("sizeBytes").asLong();
        assertThat(tableBytes).isGreaterThan(1L << 20);
        assertThat(r.at("/trace/problems")).extracting(JsonNode::asText)
                .contains("V2__step2.sql:1 rewrites table public.feedings of " + tableBytes + " bytes (limit 1048576)");
        assertThat(r.at("/backup").asText()).isNotBlank();
        assertThat(r.at("/schemaVersion").asText()).isEqualTo("1");
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void notValidThenValidateInTwoMigrationsIsReportedAsNotBlockingWritesOnAScratchCluster() throws Exception {
        Path dir = migrations("validate", "ALTER TABLE feedings ADD CONSTRAINT ml_positive CHECK (ml >= 0) NOT VALID;",
                "ALTER TABLE feedings VALIDATE CONSTRAINT ml_positive;");

        Map<String, String> env = env();
        // the NOT VALID step's brief ACCESS EXCLUSIVE is not what this test is about, however slow the machine
        env.put("PGNEST_REHEARSE_LOCK_THRESHOLD", "60s");
        env.remove("PGNEST_DRILL_MODE"); // the default: a scratch cluster on this host

        CliRun run = pgnest(env, dir, "migrate", "rehearse");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("V3__step3.sql\n  line 1: ", " ms, ShareUpdateExclusiveLock public.feedings held ",
                ": 2 migrations, 2 statements, nothing needs attention\n").doesNotContain("attention:", "rewrote");
        String md = Files.readString(report(run));
        assertThat(md).contains("**Passed**", "| `ALTER TABLE feedings VALIDATE CONSTRAINT ml_positive` |",
                        "| start scratch cluster |", "| tear down |")
                .doesNotContain("blocks writes");
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void anUnknownBackupIsOneLineWithExitTwoAndNothingIsCreated() throws Exception {
        CliRun run = pgnest(migrations("unknown", "SELECT 1;"), "migrate", "rehearse", "--backup", "20200101T000000Z");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains("20200101T000000Z");
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void lintTraceReportsTheLocksAndRewritesItObservesOnAShadowDatabaseAsObserved() throws Exception {
        Path dir = migrations("lint-trace", "ALTER TABLE feedings ALTER COLUMN ml TYPE bigint;\nALTER TABLE feedings ADD COLUMN source text;",
                "CREATE UNIQUE INDEX feedings_baby_note ON feedings (baby_id, note);");

        CliRun run = pgnest(dir, "migrate", "lint", "--trace", dir.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).contains("error: " + dir.resolve("V2__step2.sql") + ":1 change-column-type: ",
                "observed warning: V2__step2.sql:1 takes AccessExclusiveLock on public.feedings (reads and writes wait)"
                        + " and holds it while 1 more statement run in its transaction\n",
                "observed warning: V2__step2.sql:1 rewrites table public.feedings (a full copy, under its lock)\n",
                "observed warning: V3__step3.sql:1 takes ShareLock on public.feedings (writes wait)\n",
                "; traced on a shadow database: 0 errors, ")
                // no rows in the shadow: the duplicates that fail the rehearsal are not there
                .doesNotContain("observed error");

        Path sarif = tmp.resolve("lint-trace.sarif");
        CliRun json = pgnest(dir, "migrate", "lint", "--trace", dir.toString(), "-o", "json", "--sarif", sarif.toString());
        JsonNode observed = JSON.readTree(json.out()).get("observed");
        JsonNode results = JSON.readTree(sarif.toFile()).at("/runs/0/results");
        assertThat(results).extracting(r -> r.get("ruleId").asText() + " " + r.get("level").asText() + " "
                        + r.at("/locations/0/physicalLocation/artifactLocation/uri").asText() + ":"
                        + r.at("/locations/0/physicalLocation/region/startLine").asInt())
                .contains("change-column-type error " + dir.resolve("V2__step2.sql") + ":1",
                        "observed-lock warning " + dir.resolve("V2__step2.sql") + ":1",
                        "observed-rewrite warning " + dir.resolve("V2__step2.sql") + ":1",
                        "observed-lock warning " + dir.resolve("V3__step3.sql") + ":1");
        assertThat(observed).allSatisfy(o -> assertThat(o.get("observed").asBoolean()).isTrue());
        assertThat(observed).extracting(o -> o.get("file").asText() + ":" + o.get("line").asInt() + " " + o.get("kind").asText()
                        + " " + o.get("severity").asText())
                .contains("V2__step2.sql:1 lock warning", "V2__step2.sql:1 rewrite warning", "V3__step3.sql:1 lock warning");
        assertThat(JSON.readTree(pgnest(dir, "migrate", "lint", dir.toString(), "-o", "json").out()).has("observed")).isFalse();
        assertThat(pg.queryForString("select count(*) from pg_database where datname like 'pgnest_shadow_%'")).isEqualTo("0");
        assertTargetUntouchedAndNoScratchLeft();
    }

    @Test
    void lintTraceMarksAMigrationThatFailsEvenWithoutDataAsAnObservedError() throws Exception {
        Path dir = migrations("lint-trace-broken", "ALTER TABLE feedings ADD COLUMN source text;\nALTER TABLE no_such_table ADD COLUMN x int;");

        CliRun run = pgnest(dir, "migrate", "lint", "--trace", dir.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).contains("observed error: V2__step2.sql:2 fails: ERROR: relation \"no_such_table\" does not exist\n",
                "; traced on a shadow database: 1 errors, 1 warnings observed");
        assertTargetUntouchedAndNoScratchLeft();
    }
}
