package dev.pgnest.migrate.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.seed.BabyNest;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class DriftCheckTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    private static MigrationSettings babyNest(String db) {
        return new MigrationSettings(new DatabaseTarget("app", pg.jdbcUrl(db), pg.user(), pg.password(), Environment.STANDARD),
                List.of(BabyNest.MIGRATIONS_LOCATION));
    }

    private static String migratedBabyNest() {
        String db = "drift" + COUNTER.incrementAndGet();
        pg.createDatabase(db);
        new Migrations(babyNest(db)).deploy(DeployOptions.defaults());
        return db;
    }

    @Test
    void databaseBuiltOnlyByMigrationsHasNoDriftAndTheShadowIsDropped() {
        String db = migratedBabyNest();
        DriftReport report = new DriftCheck(babyNest(db), null).run();
        assertThat(report.differences()).isEmpty();
        assertThat(report.drifted()).isFalse();
        assertThat(report.comparedVersion()).isEqualTo(BabyNest.LATEST_VERSION);
        assertThat(report.objectsCompared()).isGreaterThan(100); // tables, columns, indexes, constraints, enums...
        assertThat(pg.queryForString("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgnest_shadow_%'")).isEqualTo("0");
    }

    @Test
    void columnAddedByHandAndIndexChangedByHandAreReported() {
        String db = migratedBabyNest();
        pg.execute(db, "ALTER TABLE babies ADD COLUMN nickname text NOT NULL DEFAULT ''");
        pg.execute(db, "DROP INDEX caregivers_user_id_idx; CREATE INDEX caregivers_user_id_idx ON caregivers (user_id, role)");
        pg.execute(db, "ALTER TYPE diaper_kind ADD VALUE 'blowout'");
        pg.execute(db, "DROP TABLE milestones");
        DriftReport report = new DriftCheck(babyNest(db), null).run();
        assertThat(report.drifted()).isTrue();
        assertThat(report.differences()).extracting(Difference::describe).contains(
                "column public.babies.nickname: not in the migrations (database has text NOT NULL DEFAULT ''::text)",
                "index public.caregivers_user_id_idx: differs (migrations: CREATE INDEX caregivers_user_id_idx ON "
                        + "public.caregivers USING btree (user_id); database: CREATE INDEX caregivers_user_id_idx ON "
                        + "public.caregivers USING btree (user_id, role))",
                "enum public.diaper_kind: differs (migrations: 'wet', 'dirty', 'mixed', 'dry'; database: 'wet', 'dirty', "
                        + "'mixed', 'dry', 'blowout')",
                "table public.milestones: missing in the database (migrations define table)");
        assertThat(report.differences()).extracting(Difference::kind)
                .doesNotContain("function") // nothing changed there
                .contains("column", "constraint", "index");
    }

    @Test
    void pendingMigrationsAreNotDrift() throws Exception {
        String db = "drift" + COUNTER.incrementAndGet();
        pg.createDatabase(db);
        Files.writeString(dir.resolve("V1__create_babies.sql"), "CREATE TABLE babies (id bigint PRIMARY KEY);");
        MigrationSettings settings = new MigrationSettings(
                new DatabaseTarget("app", pg.jdbcUrl(db), pg.user(), pg.password(), Environment.STANDARD),
                List.of("filesystem:" + dir));
        new Migrations(settings).deploy(DeployOptions.defaults());
        Files.writeString(dir.resolve("V2__create_sleeps.sql"), "CREATE TABLE sleeps (id bigint PRIMARY KEY);");
        DriftReport report = new DriftCheck(settings, null).run();
        assertThat(report.comparedVersion()).isEqualTo("1");
        assertThat(report.differences()).isEmpty();
    }

    @Test
    void configuredShadowDatabaseIsEmptiedAndUsed() {
        String db = migratedBabyNest();
        pg.createDatabase("shadow_" + db);
        pg.execute("shadow_" + db, "CREATE TABLE leftover (id int)");
        pg.execute(db, "CREATE VIEW recent_babies AS SELECT id, name FROM babies WHERE birth_date > '2024-01-01'");
        DriftReport report = new DriftCheck(babyNest(db), pg.jdbcUrl("shadow_" + db)).run();
        assertThat(report.differences()).extracting(Difference::kind, Difference::name, Difference::change)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("view", "public.recent_babies",
                        Difference.Change.NOT_IN_MIGRATIONS));
        assertThat(pg.queryForString("shadow_" + db, "SELECT to_regclass('public.leftover')")).isNull();
    }

    @Test
    void shadowUrlIsDerivedFromTheTargetUrl() {
        assertThat(ShadowDatabase.withDatabase("jdbc:postgresql://h:5432/app?sslmode=require", "s"))
                .isEqualTo("jdbc:postgresql://h:5432/s?sslmode=require");
        assertThatThrownBy(() -> ShadowDatabase.withDatabase("jdbc:mysql://h/app", "s")).isInstanceOf(PgnestException.class);
    }
}
