package dev.pgnest.migrate.lint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LinterTest {
    private final Linter linter = new Linter();

    private static String fixture(Rule rule, String kind) throws IOException {
        String path = "/lint/" + rule.id() + "/" + kind + ".sql";
        try (InputStream in = LinterTest.class.getResourceAsStream(path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void failingFixtureBreaksExactlyItsRule(Rule rule) throws IOException {
        // Rules that are off by default are switched on for their own fixture.
        Linter linter = new Linter(new RuleSeverities(rule.severity() == Rule.Severity.OFF
                ? Map.of(rule, Rule.Severity.WARNING) : Map.of()));
        LintReport report = linter.lint(rule.id() + "/fail.sql", fixture(rule, "fail"));
        assertThat(report.findings()).extracting(Finding::rule).containsExactly(rule);
        Finding finding = report.findings().get(0);
        assertThat(finding.line()).isPositive();
        assertThat(finding.describe()).startsWith(rule.id() + "/fail.sql:" + finding.line() + " " + rule.id() + ": ")
                .contains(rule.reason()).contains("(safe: " + rule.safePattern() + ")");
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void passingFixtureHasNoFindings(Rule rule) throws IOException {
        Linter linter = new Linter(new RuleSeverities(Map.of(rule, Rule.Severity.ERROR)));
        assertThat(linter.lint(rule.id() + "/pass.sql", fixture(rule, "pass")).findings()).isEmpty();
    }

    @Test
    void fortyFiveRulesWithUniqueIdsReasonsAndSafePatterns() {
        assertThat(Rule.values()).hasSize(45);
        assertThat(List.of(Rule.values())).extracting(Rule::id).doesNotHaveDuplicates()
                .allMatch(id -> id.matches("[a-z]+(-[a-z]+)*"));
        assertThat(List.of(Rule.values())).allSatisfy(r -> {
            assertThat(r.reason()).isNotBlank().doesNotContain("\n");
            assertThat(r.safePattern()).isNotBlank().doesNotContain("\n");
        });
    }

    @Test
    void findingNamesTheLineOfTheStatement() {
        String sql = """
                -- header comment
                SET LOCAL lock_timeout = '5s';

                ALTER TABLE users
                    ADD COLUMN nickname text,
                    DROP COLUMN legacy;
                """;
        Finding f = linter.lint("V3__x.sql", sql).findings().get(0);
        assertThat(f.rule()).isEqualTo(Rule.DROP_COLUMN);
        assertThat(f.line()).isEqualTo(4);
        assertThat(f.statement()).isEqualTo("ALTER TABLE users ADD COLUMN nickname text, DROP COLUMN legacy");
    }

    @Test
    void keywordsInsideStringsCommentsAndFunctionBodiesAreIgnored() {
        String sql = """
                CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $body$
                BEGIN
                    TRUNCATE TABLE audit; -- not run by the migration itself
                END $body$;
                /* ALTER TABLE users DROP COLUMN email; */
                INSERT INTO notes (text) VALUES ('DROP TABLE users; VACUUM FULL');
                """;
        LintReport report = linter.lint("V4__purge.sql", sql);
        assertThat(report.findings()).isEmpty();
        assertThat(SqlScript.parse(sql).statements()).hasSize(2);
    }

    @Test
    void lockTimeoutOfZeroDoesNotCount() {
        String sql = "SET lock_timeout = 0;\nALTER TABLE babies ADD COLUMN nickname text;";
        assertThat(linter.lint("f.sql", sql).findings()).extracting(Finding::rule)
                .containsExactly(Rule.MISSING_LOCK_TIMEOUT);
    }

    @Test
    void severalRulesCanBeDisabledInOneComment() {
        String sql = "-- pgnest-lint-disable truncate, missing-lock-timeout\nTRUNCATE notifications;";
        assertThat(linter.lint("f.sql", sql).findings()).isEmpty();
    }

    @Test
    void unknownRuleInDisableCommentIsAUsageErrorNamingFileAndRule() {
        assertThatThrownBy(() -> linter.lint("V5__x.sql", "-- pgnest-lint-disable drop-colum\nSELECT 1;"))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("unknown lint rule 'drop-colum' in a pgnest-lint-disable comment in V5__x.sql")
                .hasMessageContaining("drop-column");
    }

    @Test
    void concurrentIndexIsDetectedAsNonTransactional() {
        assertThat(SqlScript.parse("CREATE INDEX CONCURRENTLY i ON t (a);").requiresNoTransaction()).isTrue();
        assertThat(SqlScript.parse("CREATE INDEX i ON t (a);").requiresNoTransaction()).isFalse();
        assertThat(SqlScript.parse("CREATE INDEX CONCURRENTLY i ON t (a); UPDATE t SET a = 1;").mixesTransactionModes()).isTrue();
    }

    @Test
    void lintsDirectoriesInNameOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("V2__b.sql"), "TRUNCATE x;");
        Files.writeString(dir.resolve("V1__a.sql"), "CREATE TABLE x (id int);");
        Files.writeString(dir.resolve("README.txt"), "TRUNCATE y;");
        LintReport report = linter.lintFiles(List.of(dir));
        assertThat(report.files()).containsExactly(dir.resolve("V1__a.sql").toString(), dir.resolve("V2__b.sql").toString());
        assertThat(report.errors()).extracting(Finding::rule).containsExactly(Rule.TRUNCATE);
        assertThat(report.warnings()).extracting(Finding::rule).containsExactly(Rule.MISSING_LOCK_TIMEOUT);
        assertThat(report.hasErrors()).isTrue();
    }

    @Test
    void configuredSeveritiesRaiseLowerAndSwitchOffRules() {
        String sql = "CREATE TABLE photos (id integer PRIMARY KEY);\nALTER TABLE babies DROP COLUMN nick;";
        Linter configured = new Linter(RuleSeverities.parse(
                List.of("drop-column=warning", "missing-lock-timeout = off", "prefer-bigint-over-int=error")));
        LintReport report = configured.lint("f.sql", sql);
        assertThat(report.warnings()).extracting(Finding::rule).containsExactly(Rule.DROP_COLUMN);
        assertThat(report.errors()).extracting(Finding::rule).containsExactly(Rule.PREFER_BIGINT_OVER_INT);
        assertThat(linter.lint("f.sql", sql).findings()).extracting(Finding::rule)
                .containsExactly(Rule.DROP_COLUMN, Rule.MISSING_LOCK_TIMEOUT);
    }

    @Test
    void severityEntriesWithUnknownRulesOrLevelsAreConfigErrorsNamingTheFix() {
        assertThatThrownBy(() -> RuleSeverities.parse(List.of("drop-colum=off")))
                .hasMessageStartingWith("lint.severity names unknown lint rule 'drop-colum'").hasMessageContaining("drop-column");
        assertThatThrownBy(() -> RuleSeverities.parse(List.of("truncate=fatal")))
                .hasMessageStartingWith("lint.severity entry 'truncate=fatal' has no severity")
                .hasMessageContaining("truncate=warning");
    }

    @Test
    void typeRulesLookAtColumnTypesNotAtFunctionsOrDefaults() {
        Linter all = new Linter(RuleSeverities.parse(List.of("prefer-timestamptz=error", "prefer-bigint-over-int=error",
                "ban-char-n=error", "json-instead-of-jsonb=error")));
        String sql = "CREATE TABLE photos (id bigint PRIMARY KEY, meta jsonb DEFAULT '{\"json\": 1}',"
                + " taken_at timestamp with time zone DEFAULT current_timestamp, kind character varying);";
        assertThat(all.lint("f.sql", sql).findings()).isEmpty();
    }

    @Test
    void nestedBeginIsReportedAtTheInnerBegin() {
        String sql = "BEGIN;\nCREATE TABLE a (id bigint);\nBEGIN;\nCREATE TABLE b (id bigint);\nCOMMIT;\nCOMMIT;";
        assertThat(linter.lint("f.sql", sql).findings()).extracting(Finding::rule, Finding::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Rule.NESTED_OR_UNCLOSED_TRANSACTION, 3));
    }
}
