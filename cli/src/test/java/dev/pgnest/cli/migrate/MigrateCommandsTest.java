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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class MigrateCommandsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    private String db;
    private Path migrations;

    private final Map<String, String> extraEnv = new java.util.HashMap<>();

    private Map<String, String> env() {
        if (db == null) {
            db = "cli" + COUNTER.incrementAndGet();
            pg.createDatabase(db);
            migrations = dir.resolve("migrations");
        }
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + db);
        env.put("PGNEST_DB_PASSWORD", pg.password());
        return env;
    }

    private CliRun pgnest(String... args) {
        Map<String, String> env = env();
        List<String> all = new ArrayList<>(List.of(args));
        if (args.length >= 2 && args[0].equals("migrate") && !all.contains("--migrations")) {
            all.add("--migrations");
            all.add(migrations.toString());
        }
        return CliRun.run(env, dir, all.toArray(String[]::new));
    }

    private void file(String name, String sql) throws Exception {
        env();
        Files.createDirectories(migrations);
        Files.writeString(migrations.resolve(name), sql);
    }

    private String query(String sql) {
        return pg.queryForString(db, sql);
    }

    /** Flyway's schema history, oldest first, as "version type success" entries. */
    private String history() {
        return query("SELECT string_agg(coalesce(version, '-') || ' ' || type || ' ' || success, ', ' ORDER BY installed_rank)"
                + " FROM flyway_schema_history");
    }

    private CliRun failedDeployOfV2() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\nSELECT * FROM missing_table;\n");
        CliRun failed = pgnest("migrate", "deploy");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL false");
        return failed;
    }

    @Test
    void deployAppliesAndStatusGatesOnPending() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        CliRun pending = pgnest("migrate", "status");
        assertThat(pending.exitCode()).isEqualTo(3);
        assertThat(pending.out()).containsPattern("⏳\\s+1\\s+pending\\s+create babies").contains("needs attention: 1 pending");

        CliRun deploy = pgnest("migrate", "deploy");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        assertThat(deploy.out()).containsPattern("applied V1 create babies \\(\\d+ ms\\)")
                .contains("target default migrated from version <empty> to 1 (1 applied)");
        assertThat(query("SELECT to_regclass('babies')::text")).isEqualTo("babies");

        CliRun status = pgnest("migrate", "status", "--output", "json");
        assertThat(status.exitCode()).isZero();
        JsonNode json = JSON.readTree(status.out());
        assertThat(json.at("/currentVersion").asText()).isEqualTo("1");
        assertThat(json.at("/needsAttention").asBoolean()).isFalse();
        assertThat(json.at("/migrations/0/status").asText()).isEqualTo("applied");
        assertThat(json.at("/migrations/0/appliedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(pgnest("migrate", "status").out()).contains("database schema is up to date");
    }

    @Test
    void deployAsJsonAndDryRunChangingNothing() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);\n");
        file("V2__index_babies.sql", "CREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);\n");
        CliRun dry = pgnest("migrate", "deploy", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).isEqualTo("""
                -- V1 create babies (V1__create_babies.sql)
                CREATE TABLE babies (id bigint PRIMARY KEY);

                -- V2 index babies (V2__index_babies.sql) [runs outside a transaction]
                CREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);

                """);
        assertThat(query("SELECT to_regclass('babies')::text")).isNull();

        CliRun deploy = pgnest("migrate", "deploy", "--output", "json");
        assertThat(deploy.exitCode()).isZero();
        JsonNode json = JSON.readTree(deploy.out());
        assertThat(json.at("/versionAfter").asText()).isEqualTo("2");
        assertThat(json.at("/applied/1/transactional").asBoolean()).isFalse();
        assertThat(json.at("/applied/0/durationMs").isNumber()).isTrue();
    }

    @Test
    void runMigrationsFalseSkipsDeploy() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        extraEnv.put("RUN_MIGRATIONS", "false");
        CliRun r = pgnest("migrate", "deploy");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("RUN_MIGRATIONS=false: skipping migrate deploy\n");
        assertThat(query("SELECT to_regclass('flyway_schema_history')::text")).isNull();
        assertThat(JSON.readTree(pgnest("migrate", "deploy", "-o", "json").out()).at("/skipped").asBoolean()).isTrue();
    }

    @Test
    void failedMigrationShowsAsFailedAndResolveRolledBackThenDeployRecovers() throws Exception {
        CliRun failed = failedDeployOfV2();
        assertThat(failed.err()).startsWith("error: migration 2 (add nickname) failed at line 2: ERROR: relation \"missing_table\" does not exist")
                .contains("resolve --rolled-back 2");
        assertThat(failed.err().strip().lines()).hasSize(1);
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")).isEqualTo("0");

        CliRun status = pgnest("migrate", "status");
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.out()).containsPattern("❌\\s+2\\s+failed\\s+add nickname");

        CliRun resolve = pgnest("migrate", "resolve", "--rolled-back", "2");
        assertThat(resolve.exitCode()).isZero();
        assertThat(resolve.out()).isEqualTo("migration 2 marked rolled back on target default (was failed, now pending)\n");
        assertThat(history()).isEqualTo("1 SQL true");

        file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\n");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")).isEqualTo("1");
        assertThat(pgnest("migrate", "status").exitCode()).isZero();
    }

    @Test
    void resolveRolledBackAsJsonForgetsOnlyTheFailedAttempt() throws Exception {
        failedDeployOfV2();
        CliRun r = pgnest("migrate", "resolve", "--rolled-back", "2", "--output", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JSON.readTree(r.out());
        assertThat(json).isEqualTo(JSON.readTree(
                "{\"target\":\"default\",\"version\":\"2\",\"action\":\"ROLLED_BACK\",\"before\":\"FAILED\",\"after\":\"PENDING\"}"));
        assertThat(history()).isEqualTo("1 SQL true");

        CliRun notFailed = pgnest("migrate", "resolve", "--rolled-back", "1");
        assertThat(notFailed.exitCode()).isEqualTo(2);
        assertThat(notFailed.err()).isEqualTo("error: migration 1 is not failed (it is applied): --rolled-back only applies to "
                + "failed migrations; pgnest migrate status shows them\n");
        assertThat(history()).isEqualTo("1 SQL true");
    }

    @Test
    void resolveAppliedRecordsAFailedAndThenTheNextPendingMigrationWithoutRunningThem() throws Exception {
        failedDeployOfV2();
        CliRun resolved = pgnest("migrate", "resolve", "--applied", "2");
        assertThat(resolved.exitCode()).as(resolved.err()).isZero();
        assertThat(resolved.out()).isEqualTo("migration 2 marked applied on target default (was failed, now applied)\n");
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true");
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'")).isEqualTo("0");
        assertThat(pgnest("migrate", "validate").exitCode()).isZero();

        file("V3__create_sleeps.sql", "CREATE TABLE sleeps (id bigint PRIMARY KEY);");
        CliRun pending = pgnest("migrate", "resolve", "--applied", "3", "-o", "json");
        assertThat(pending.exitCode()).as(pending.err()).isZero();
        assertThat(JSON.readTree(pending.out())).isEqualTo(JSON.readTree(
                "{\"target\":\"default\",\"version\":\"3\",\"action\":\"APPLIED\",\"before\":\"PENDING\",\"after\":\"APPLIED\"}"));
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true, 3 SQL true");
        assertThat(query("SELECT to_regclass('sleeps')::text")).isNull();
        assertThat(pgnest("migrate", "deploy").out()).isEqualTo("target default is up to date at version 3\n");

        file("V5__create_diapers.sql", "CREATE TABLE diapers (id bigint PRIMARY KEY);");
        file("V4__create_feedings.sql", "CREATE TABLE feedings (id bigint PRIMARY KEY);");
        CliRun outOfOrder = pgnest("migrate", "resolve", "--applied", "5");
        assertThat(outOfOrder.exitCode()).isEqualTo(2);
        assertThat(outOfOrder.err()).startsWith("error: migration 5 is not the next pending migration (that is 4): ");
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true, 3 SQL true");
    }

    @Test
    void resolveNeedsExactlyOneAction() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        CliRun r = pgnest("migrate", "resolve");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--applied=VERSION").contains("--rolled-back=VERSION");
    }

    @Test
    void validateNamesAnEditedAppliedMigration() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        assertThat(pgnest("migrate", "validate").out()).isEqualTo("1 applied migrations match their files\n");
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text);");
        CliRun r = pgnest("migrate", "validate");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).startsWith("V1 (V1__create_babies.sql) was edited after it was applied: checksum ")
                .endsWith("1 of 1 applied migrations do not match their files\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "validate", "-o", "json").out());
        assertThat(json.at("/problems/0/status").asText()).isEqualTo("CHECKSUM_CHANGED");
        assertThat(pgnest("migrate", "status").out()).containsPattern("✏️\\s+1\\s+checksum changed");
    }

    @Test
    void baselineAdoptsAnExistingDatabase() throws Exception {
        env();
        pg.execute(db, "CREATE TABLE babies (id bigint PRIMARY KEY)");
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint PRIMARY KEY);");
        CliRun refused = pgnest("migrate", "deploy");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("already has tables but no migration history");
        CliRun r = pgnest("migrate", "baseline", "--version", "1");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("target default baselined at version 1 (baseline)\n");
        assertThat(history()).isEqualTo("1 BASELINE true");
        assertThat(pgnest("migrate", "deploy").out()).contains("applied V2 create sleeps").doesNotContain("applied V1");
        assertThat(history()).isEqualTo("1 BASELINE true, 2 SQL true");
        assertThat(query("SELECT to_regclass('sleeps')::text")).isEqualTo("sleeps");
    }

    @Test
    void baselineAsJsonRecordsTheVersionAndDescriptionInTheHistory() throws Exception {
        env();
        pg.execute(db, "CREATE TABLE babies (id bigint PRIMARY KEY)");
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        CliRun r = pgnest("migrate", "baseline", "--version", "1", "--description", "adopted from prisma", "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out())).isEqualTo(JSON.readTree(
                "{\"target\":\"default\",\"version\":\"1\",\"description\":\"adopted from prisma\"}"));
        assertThat(query("SELECT version || ' ' || type || ' ' || description FROM flyway_schema_history"))
                .isEqualTo("1 BASELINE adopted from prisma");
        assertThat(pgnest("migrate", "status").out()).containsPattern("📌\\s+1\\s+baseline\\s+adopted from prisma");
    }

    @Test
    void createMakesATimestampedFileAndRefusesVagueNames() throws Exception {
        env();
        CliRun r = pgnest("migrate", "create", "add_baby_nickname");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).matches("created .*/migrations/V\\d{14}__add_baby_nickname\\.sql\\n");
        try (var files = Files.list(migrations)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).singleElement()
                    .satisfies(n -> assertThat(n).matches("V\\d{14}__add_baby_nickname\\.sql"));
        }
        CliRun vague = pgnest("migrate", "create", "update");
        assertThat(vague.exitCode()).isEqualTo(2);
        assertThat(vague.err()).isEqualTo("error: migration name 'update' is too vague: say what changes, e.g. "
                + "add_baby_nickname or index_feeding_logs_started_at\n");
        assertThat(pgnest("migrate", "create", "AddNickname").err()).contains("is not snake_case");
        assertThat(query("SELECT to_regclass('flyway_schema_history')::text")).isNull();
    }

    @Test
    void createAsJsonNamesTheFileAndDeployAppliesIt() throws Exception {
        env();
        CliRun r = pgnest("migrate", "create", "add_baby_nickname", "--output", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path file = Path.of(JSON.readTree(r.out()).at("/file").asText());
        assertThat(file.getParent()).isEqualTo(migrations);
        String version = file.getFileName().toString().replaceFirst("^V(\\d{14})__add_baby_nickname\\.sql$", "$1");
        assertThat(version).matches("\\d{14}");
        assertThat(Files.readString(file)).startsWith("-- add baby nickname\n").endsWith("SET LOCAL lock_timeout = '5s';\n\n");
        assertThat(query("SELECT to_regclass('flyway_schema_history')::text")).isNull();

        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        assertThat(history()).isEqualTo(version + " SQL true");
    }

    @Test
    void deployRunsEachMigrationUnderTheConfiguredTimeouts() throws Exception {
        file("V1__check_timeouts.sql", "DO $$ BEGIN IF current_setting('lock_timeout') <> '2s'"
                + " OR current_setting('statement_timeout') <> '1min' THEN RAISE EXCEPTION 'timeouts %/%',"
                + " current_setting('lock_timeout'), current_setting('statement_timeout'); END IF; END $$;");
        extraEnv.put("PGNEST_DEPLOY_LOCK_TIMEOUT", "2s");
        extraEnv.put("PGNEST_DEPLOY_STATEMENT_TIMEOUT", "1m");
        CliRun deploy = pgnest("migrate", "deploy", "--drop-invalid-indexes");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        assertThat(history()).isEqualTo("1 SQL true");
    }

    @Test
    void lintReportsRuleIdsAndExitsThreeOnErrors() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, nick text);");
        file("V2__drop_nick.sql", "ALTER TABLE babies DROP COLUMN nick;");
        CliRun r = pgnest("migrate", "lint");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).contains("error: " + migrations.resolve("V2__drop_nick.sql") + ":1 drop-column: ")
                .contains("warning: " + migrations.resolve("V2__drop_nick.sql") + ":1 missing-lock-timeout: ")
                .endsWith("2 files, 1 errors, 1 warnings\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "lint", "-o", "json").out());
        assertThat(json.at("/findings/0/rule").asText()).isEqualTo("drop-column");
        assertThat(json.at("/findings/0/safePattern").asText()).contains("expand/contract");

        Path sarif = dir.resolve("lint.sarif");
        assertThat(pgnest("migrate", "lint", "--sarif", sarif.toString()).exitCode()).isEqualTo(3);
        JsonNode log = JSON.readTree(sarif.toFile());
        assertThat(log.at("/version").asText()).isEqualTo("2.1.0");
        assertThat(log.at("/runs/0/results/0/ruleId").asText()).isEqualTo("drop-column");
        assertThat(log.at("/runs/0/results/0/level").asText()).isEqualTo("error");
        assertThat(log.at("/runs/0/results/0/locations/0/physicalLocation/region/startLine").asInt()).isEqualTo(1);
        assertThat(log.at("/runs/0/tool/driver/rules").size()).isEqualTo(45);

        extraEnv.put("PGNEST_LINT_SEVERITY", "drop-column=warning,missing-lock-timeout=off");
        CliRun relaxed = pgnest("migrate", "lint");
        assertThat(relaxed.exitCode()).as(relaxed.err()).isZero();
        assertThat(relaxed.out()).contains("warning: " + migrations.resolve("V2__drop_nick.sql") + ":1 drop-column: ")
                .doesNotContain("missing-lock-timeout").endsWith("2 files, 0 errors, 1 warnings\n");
        extraEnv.put("PGNEST_LINT_SEVERITY", "drop-colum=off");
        CliRun typo = pgnest("migrate", "lint");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("lint.severity names unknown lint rule 'drop-colum'");
        extraEnv.remove("PGNEST_LINT_SEVERITY");

        CliRun rules = pgnest("migrate", "lint", "--rules", "-o", "json");
        assertThat(JSON.readTree(rules.out()).size()).isEqualTo(45);
        file("V2__drop_nick.sql", "-- pgnest-lint-disable drop-column\nSET LOCAL lock_timeout = '5s';\nALTER TABLE babies DROP COLUMN nick;");
        assertThat(pgnest("migrate", "lint").exitCode()).isZero();
    }

    @Test
    void diffIsQuietOnAMigratedDatabaseAndReportsAColumnAddedByHand() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text NOT NULL);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        CliRun clean = pgnest("migrate", "diff");
        assertThat(clean.exitCode()).as(clean.err()).isZero();
        assertThat(clean.out()).startsWith("no drift: target default matches its migrations");

        pg.execute(db, "ALTER TABLE babies ADD COLUMN nickname varchar(40)");
        CliRun drift = pgnest("migrate", "diff");
        assertThat(drift.exitCode()).isEqualTo(3);
        assertThat(drift.out()).isEqualTo("column public.babies.nickname: not in the migrations (database has character "
                + "varying(40) NULL)\n1 differences between the migrations (up to version 1) and target default\n");
        JsonNode json = JSON.readTree(pgnest("migrate", "drift", "-o", "json").out());
        assertThat(json.at("/differences/0/change").asText()).isEqualTo("NOT_IN_MIGRATIONS");
        assertThat(json.at("/differences/0/name").asText()).isEqualTo("public.babies.nickname");
    }

    @Test
    void resetIsRefusedOnATargetNotMarkedDevelopment() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        CliRun r = pgnest("migrate", "reset", "--force");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: refusing to reset target default: it is not marked as a development environment");
        assertThat(query("SELECT to_regclass('babies')::text")).isEqualTo("babies");

        extraEnv.put("PGNEST_DB_DEVELOPMENT", "true");
        extraEnv.put("PGNEST_PROTECTED", "true");
        CliRun both = pgnest("migrate", "reset", "--force");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).startsWith("error: refusing to reset target default: it is not marked as a development "
                + "environment (it is protected)");
        assertThat(query("SELECT to_regclass('babies')::text")).isEqualTo("babies");
    }

    @Test
    void resetOnADevelopmentTargetNeedsForceThenDropsEverythingAndReappliesTheMigrations() throws Exception {
        file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text);");
        file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint PRIMARY KEY);");
        assertThat(pgnest("migrate", "deploy").exitCode()).isZero();
        pg.execute(db, "INSERT INTO babies VALUES (1, 'Ada'); CREATE TABLE made_by_hand (id int)");
        extraEnv.put("PGNEST_DB_DEVELOPMENT", "true");

        CliRun unforced = pgnest("migrate", "reset");
        assertThat(unforced.exitCode()).isEqualTo(2);
        assertThat(unforced.err()).isEqualTo("error: reset drops every object and row in target default: add --force to confirm\n");
        assertThat(query("SELECT count(*) FROM babies")).isEqualTo("1");

        CliRun text = pgnest("migrate", "reset", "--force");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo("target default reset: emptied public, applied 2 migrations, now at version 2\n");
        assertThat(query("SELECT count(*) FROM babies")).isEqualTo("0");
        assertThat(query("SELECT to_regclass('sleeps')::text")).isEqualTo("sleeps");
        assertThat(query("SELECT to_regclass('made_by_hand')::text")).isNull();
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true");

        pg.execute(db, "INSERT INTO babies VALUES (2, 'Linus')");
        CliRun json = pgnest("migrate", "reset", "--force", "--output", "json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode report = JSON.readTree(json.out());
        assertThat(report.at("/target").asText()).isEqualTo("default");
        assertThat(report.at("/schemasCleaned").toString()).isEqualTo("[\"public\"]");
        assertThat(report.at("/deploy/versionBefore").isNull()).isTrue();
        assertThat(report.at("/deploy/versionAfter").asText()).isEqualTo("2");
        assertThat(report.at("/deploy/applied").findValuesAsText("script"))
                .containsExactly("V1__create_babies.sql", "V2__create_sleeps.sql");
        assertThat(report.at("/deploy/applied/0/durationMs").isNumber()).isTrue();
        assertThat(report.at("/seed").isNull()).isTrue();
        assertThat(query("SELECT count(*) FROM babies")).isEqualTo("0");
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true");
    }

    @Test
    void resetWithSeedRebuildsTheBabyNestSchemaAndLoadsFreshDemoData() throws Exception {
        env();
        CliRun text = pgnest("migrate", "reset", "--development", "true", "--force", "--seed", "0.01", "--migrations", "classpath:db/babynest");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo("target default reset: emptied public, applied 9 migrations, now at version 9\n"
                + "seeded 9530 rows at scale 0.01\n");
        assertThat(query("SELECT count(*) FROM users")).isEqualTo("200");
        assertThat(query("SELECT count(*) FROM feeding_logs")).isEqualTo("3000");
        assertThat(history()).isEqualTo("1 SQL true, 2 SQL true, 3 SQL true, 4 SQL true, 5 SQL true, 6 SQL true, "
                + "7 SQL true, 8 SQL true, 9 SQL true");

        CliRun json = pgnest("migrate", "reset", "--development", "true", "--force", "--seed", "0.001", "--migrations", "classpath:db/babynest",
                "-o", "json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode report = JSON.readTree(json.out());
        assertThat(report.at("/deploy/versionAfter").asText()).isEqualTo("9");
        assertThat(report.at("/deploy/applied").size()).isEqualTo(9);
        assertThat(report.at("/seed/scale").asDouble()).isEqualTo(0.001);
        assertThat(report.at("/seed/tables/0/table").asText()).isEqualTo("users");
        assertThat(report.at("/seed/tables/0/rows").asLong()).isEqualTo(20);
        assertThat(report.at("/seed/tables").size()).isEqualTo(10);
        for (JsonNode table : report.at("/seed/tables")) {
            assertThat(query("SELECT count(*) FROM " + table.at("/table").asText())).as(table.toString())
                    .isEqualTo(table.at("/rows").asText());
        }
        assertThat(history()).endsWith("8 SQL true, 9 SQL true").doesNotContain("false");
    }

    @Test
    void helpListsEveryMigrateCommand() {
        CliRun r = CliRun.run(Map.of(), dir, "migrate", "--help");
        assertThat(r.out()).contains("deploy", "status", "validate", "resolve", "baseline", "create", "lint", "diff", "reset");
    }

    @Test
    void prismaMigrationsDirectoryIsUsedAsItIs() throws Exception {
        env();
        Path prisma = dir.resolve("prisma/migrations");
        Files.createDirectories(prisma.resolve("20240108093000_init"));
        Files.createDirectories(prisma.resolve("20240115141500_add_babies"));
        Files.writeString(prisma.resolve("migration_lock.toml"), "provider = \"postgresql\"\n");
        Files.writeString(prisma.resolve("20240108093000_init/migration.sql"), """
                -- CreateTable
                CREATE TABLE "User" (
                    "id" SERIAL NOT NULL,
                    "email" TEXT NOT NULL,
                    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

                    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
                );
                """);
        Files.writeString(prisma.resolve("20240115141500_add_babies/migration.sql"), """
                -- CreateTable
                CREATE TABLE "Baby" (
                    "id" SERIAL NOT NULL,
                    "name" TEXT NOT NULL,

                    CONSTRAINT "Baby_pkey" PRIMARY KEY ("id")
                );
                """);
        migrations = prisma;

        CliRun pending = pgnest("migrate", "status");
        assertThat(pending.exitCode()).isEqualTo(3);
        assertThat(pending.out()).containsPattern("⏳\\s+20240108093000\\s+pending\\s+init").contains("needs attention: 2 pending");

        CliRun deploy = pgnest("migrate", "deploy");
        assertThat(deploy.exitCode()).as(deploy.err()).isZero();
        assertThat(deploy.out()).containsPattern("applied 20240108093000_init \\(\\d+ ms\\)")
                .contains("target default migrated from version <empty> to 20240115141500 (2 applied)");
        assertThat(query("SELECT string_agg(migration_name || ' ' || applied_steps_count || ' ' || (finished_at >= started_at)"
                + " || ' ' || coalesce(logs, 'null'), ', ' ORDER BY started_at) FROM _prisma_migrations"))
                .isEqualTo("20240108093000_init 1 true null, 20240115141500_add_babies 1 true null");
        assertThat(query("SELECT to_regclass('flyway_schema_history')::text")).isNull();
        assertThat(pgnest("migrate", "validate").out()).isEqualTo("2 applied migrations match their files\n");

        CliRun resolve = pgnest("migrate", "resolve", "--rolled-back", "20240108093000");
        assertThat(resolve.exitCode()).isEqualTo(2);
        assertThat(resolve.err()).contains("migration 20240108093000_init cannot be rolled back: it is not failed (it is applied)");

        CliRun create = pgnest("migrate", "create", "add_milestones");
        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).matches("created " + java.util.regex.Pattern.quote(prisma.toString())
                + "/\\d{14}_add_milestones/migration.sql\n");
        CliRun lint = pgnest("migrate", "lint");
        assertThat(lint.out()).endsWith("3 files, 0 errors, 0 warnings\n");

        Files.writeString(prisma.resolve("V3__add_nickname.sql"), "ALTER TABLE \"Baby\" ADD COLUMN nickname text;");
        CliRun mixed = pgnest("migrate", "status");
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.err()).contains("error: migrations directory " + prisma
                + " mixes Prisma migration directories with Flyway files (V3__add_nickname.sql): keep one layout per directory");
    }
}
