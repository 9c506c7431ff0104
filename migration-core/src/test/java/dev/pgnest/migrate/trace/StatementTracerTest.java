package dev.pgnest.migrate.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.trace.TraceReport.Lock;
import dev.pgnest.migrate.trace.TraceReport.TracedMigration;
import dev.pgnest.migrate.trace.TraceReport.TracedStatement;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class StatementTracerTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    private static final TraceReport.Limits LIMITS = new TraceReport.Limits(Duration.ofSeconds(1), 100L << 20);

    private MigrationSettings database(String name, String setup) {
        pg.createDatabase(name);
        pg.execute(name, setup);
        return new MigrationSettings(new DatabaseTarget(name, pg.jdbcUrl(name), pg.user(), pg.password(), Environment.STANDARD),
                List.of("filesystem:" + dir));
    }

    private void file(String name, String sql) throws IOException {
        Files.writeString(dir.resolve(name), sql);
    }

    @Test
    void typeChangeIsARewriteUnderAccessExclusiveHeldUntilTheCommitAndLaterStatementsSeeOnlyTheirOwnLocks() throws Exception {
        MigrationSettings db = database("trace_rewrite", "CREATE TABLE feedings (id int PRIMARY KEY, ml int);"
                + "INSERT INTO feedings SELECT g, g % 300 FROM generate_series(1, 20000) g;"
                + "CREATE TABLE babies (id int PRIMARY KEY)");
        file("V1__widen.sql", "ALTER TABLE feedings ALTER COLUMN ml TYPE bigint;\nSELECT pg_sleep(0.3);\n"
                + "UPDATE babies SET id = id;\nINSERT INTO babies VALUES (1), (2);");

        TraceReport trace = new StatementTracer(LIMITS).tracePending(db);

        List<TracedStatement> s = trace.migrations().get(0).statements();
        assertThat(s).extracting(TracedStatement::line).containsExactly(1, 2, 3, 4);
        assertThat(s.get(0).rewrites()).extracting(r -> r.kind() + " " + r.relation())
                .contains("table public.feedings", "index public.feedings_pkey");
        assertThat(s.get(0).rewrites().get(0).sizeBytes()).isGreaterThan(20000L * 8);
        Lock exclusive = s.get(0).locks().stream().filter(l -> l.relation().equals("public.feedings")).findFirst().orElseThrow();
        assertThat(exclusive.mode()).isEqualTo("AccessExclusiveLock");
        assertThat(exclusive.preexisting()).isTrue();
        assertThat(exclusive.blocksReads()).isTrue();
        assertThat(exclusive.sizeBytes()).isGreaterThan(0);
        // held past the statement, through the sleep, until the commit
        assertThat(exclusive.held()).isGreaterThanOrEqualTo(s.get(0).duration().plus(s.get(1).duration()));
        assertThat(s.get(1).locks()).isEmpty();
        assertThat(s.get(2).locks()).extracting(l -> l.mode() + " " + l.relation())
                .containsExactly("RowExclusiveLock public.babies", "RowExclusiveLock public.babies_pkey");
        assertThat(s.get(2).rows()).isZero();
        assertThat(s.get(3).rows()).isEqualTo(2);
        assertThat(s.get(3).locks()).as("babies is locked already").isEmpty();
        assertThat(pg.queryForString("trace_rewrite", "select data_type from information_schema.columns where column_name = 'ml'"))
                .isEqualTo("bigint");

        TraceReport strict = new TraceReport(trace.migrations(), new TraceReport.Limits(Duration.ofMillis(100), 1000));
        assertThat(strict.problems()).anyMatch(p -> p.startsWith("V1__widen.sql:1 holds AccessExclusiveLock on public.feedings for ")
                && p.endsWith(" ms (reads and writes wait; limit 100 ms)"))
                .anyMatch(p -> p.startsWith("V1__widen.sql:1 rewrites table public.feedings of ") && p.endsWith(" bytes (limit 1000)"));
        assertThat(TraceMarkdown.render(strict)).contains("## V1__widen.sql", "| 1 | `ALTER TABLE feedings ALTER COLUMN ml TYPE bigint` |",
                "AccessExclusiveLock public.feedings (", " blocks reads and writes");
    }

    @Test
    void uniqueIndexOnDuplicatesFailsBecauseOfTheDataAndStopsTheRehearsal() throws Exception {
        MigrationSettings db = database("trace_unique", "CREATE TABLE babies (id int PRIMARY KEY, email text);"
                + "INSERT INTO babies VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x')");
        file("V1__notes.sql", "CREATE TABLE notes (id int);");
        file("V2__unique_email.sql", "CREATE TABLE audit (id int);\nCREATE UNIQUE INDEX babies_email ON babies (email);");
        file("V3__later.sql", "CREATE TABLE later (id int);");

        TraceReport trace = new StatementTracer(LIMITS).tracePending(db);

        assertThat(trace.migrations()).extracting(TracedMigration::version).containsExactly("1", "2");
        TracedStatement failed = trace.migrations().get(1).statements().get(1);
        assertThat(failed.failure().sqlState()).isEqualTo("23505");
        assertThat(failed.failure().dataCaused()).isTrue();
        assertThat(failed.failure().message()).startsWith("ERROR: could not create unique index \"babies_email\"");
        assertThat(trace.failed()).isTrue();
        assertThat(trace.problems()).containsExactly("V2__unique_email.sql:2 failed because of the data: " + failed.failure().message());
        // the failed migration was rolled back as a whole, the one before it stays
        assertThat(pg.queryForString("trace_unique", "select to_regclass('notes') is not null and to_regclass('audit') is null"
                + " and to_regclass('later') is null")).isEqualTo("t");
    }

    @Test
    void notValidThenValidateInTwoMigrationsNeverBlocksWritesForLong() throws Exception {
        MigrationSettings db = database("trace_validate", "CREATE TABLE feedings (id int PRIMARY KEY, ml int);"
                + "INSERT INTO feedings SELECT g, g % 300 FROM generate_series(1, 20000) g");
        file("V1__check_not_valid.sql", "ALTER TABLE feedings ADD CONSTRAINT ml_positive CHECK (ml >= 0) NOT VALID;");
        file("V2__validate.sql", "ALTER TABLE feedings VALIDATE CONSTRAINT ml_positive;");
        file("V3__concurrent.sql", "CREATE INDEX CONCURRENTLY feedings_ml ON feedings (ml);");

        TraceReport trace = new StatementTracer(LIMITS).tracePending(db);

        assertThat(trace.problems()).isEmpty();
        TracedStatement validate = trace.migrations().get(1).statements().get(0);
        assertThat(validate.locks()).extracting(l -> l.mode() + " " + l.relation() + " " + l.blocksWrites())
                .containsExactly("ShareUpdateExclusiveLock public.feedings false");
        assertThat(validate.rewrites()).isEmpty();
        TracedStatement concurrent = trace.migrations().get(2).statements().get(0);
        assertThat(concurrent.traced()).isFalse();
        assertThat(TraceMarkdown.render(trace)).contains("## V3__concurrent.sql (outside a transaction)", "not traced (outside a transaction)");
        assertThat(pg.queryForString("trace_validate", "select convalidated from pg_constraint where conname = 'ml_positive'"))
                .isEqualTo("t");
    }

    @Test
    void failuresCausedByTheRowsAreToldApartFromBrokenSql() throws Exception {
        String setup = "CREATE TABLE babies (id int PRIMARY KEY, name text, weight text);"
                + "INSERT INTO babies VALUES (1, NULL, '3.2kg'), (2, 'Ada', '3100');"
                + "CREATE TABLE feedings (id int PRIMARY KEY, baby_id int, ml int);"
                + "INSERT INTO feedings VALUES (1, 1, -5), (2, 9, 100)";
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("ALTER TABLE babies ALTER COLUMN name SET NOT NULL;", "23502 true");
        cases.put("ALTER TABLE feedings ADD CONSTRAINT ml_positive CHECK (ml >= 0);", "23514 true");
        cases.put("ALTER TABLE feedings ADD CONSTRAINT feedings_baby FOREIGN KEY (baby_id) REFERENCES babies;", "23503 true");
        cases.put("ALTER TABLE babies ALTER COLUMN weight TYPE numeric USING weight::numeric;", "22P02 true");
        cases.put("ALTER TABLE no_such_table ADD COLUMN x int;", "42P01 false");
        int n = 0;
        for (var c : cases.entrySet()) {
            n++;
            Path sub = Files.createDirectories(dir.resolve("case" + n));
            Files.writeString(sub.resolve("V1__step.sql"), c.getKey());
            pg.createDatabase("trace_data" + n);
            pg.execute("trace_data" + n, setup);
            MigrationSettings db = new MigrationSettings(new DatabaseTarget("d" + n, pg.jdbcUrl("trace_data" + n), pg.user(),
                    pg.password(), Environment.STANDARD), List.of("filesystem:" + sub));

            TraceReport.Failure failure = new StatementTracer(LIMITS).tracePending(db).migrations().get(0).statements().get(0).failure();

            assertThat(failure.sqlState() + " " + failure.dataCaused()).as(c.getKey()).isEqualTo(c.getValue());
        }
    }
}
