package dev.pgnest.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.pgnest.config.PgnestException;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class StatusValidateBaselineResetTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    @Test
    void statusShowsAppliedPendingEditedAndMissingMigrationsWithTimes() throws Exception {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);")
                .file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint);")
                .file("V3__create_feeds.sql", "CREATE TABLE feeds (id bigint);");
        Migrations m = db.migrations();
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        m.deploy(DeployOptions.defaults());
        StatusReport clean = m.status();
        assertThat(clean.needsAttention()).isFalse();
        assertThat(clean.currentVersion()).isEqualTo("3");
        assertThat(clean.rows()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(MigrationStatus.APPLIED);
            assertThat(r.appliedAt()).isAfterOrEqualTo(before.minusSeconds(1));
            assertThat(r.duration()).isNotNull();
        });

        db.file("V1__create_babies.sql", "CREATE TABLE babies (id bigint, name text);"); // edited after apply
        db.delete("V3__create_feeds.sql");                                             // gone locally
        db.file("V4__create_diapers.sql", "CREATE TABLE diapers (id bigint);");         // new
        StatusReport status = m.status();
        assertThat(status.rows()).extracting(StatusReport.Row::version, StatusReport.Row::status).containsExactly(
                tuple("1", MigrationStatus.CHECKSUM_CHANGED),
                tuple("2", MigrationStatus.APPLIED),
                tuple("3", MigrationStatus.MISSING_LOCALLY),
                tuple("4", MigrationStatus.PENDING));
        assertThat(status.withStatus(MigrationStatus.PENDING).get(0).appliedAt()).isNull();
        assertThat(status.needsAttention()).isTrue();

        ValidationReport validation = m.validate();
        assertThat(validation.valid()).isFalse();
        assertThat(validation.checked()).isEqualTo(3);
        assertThat(validation.problems()).extracting(ValidationReport.Problem::version, ValidationReport.Problem::status)
                .containsExactly(tuple("1", MigrationStatus.CHECKSUM_CHANGED), tuple("3", MigrationStatus.MISSING_LOCALLY));
        assertThat(validation.problems().get(0).message())
                .startsWith("V1 (V1__create_babies.sql) was edited after it was applied: checksum "
                        + db.query("SELECT checksum FROM flyway_schema_history WHERE version = '1'") + " in the database, ")
                .endsWith(" in the file");
        assertThat(validation.problems().get(1).message())
                .isEqualTo("V3 (V3__create_feeds.sql) is applied but its file is not in filesystem:" + dir);

        // Deploy refuses to run on top of an edited applied migration.
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("applied migrations do not match their files");
        assertThat(db.tableExists("diapers")).isFalse();
    }

    @Test
    void statusOfAnEmptyDatabaseListsEverythingAsPending() {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        StatusReport status = db.migrations().status();
        assertThat(status.currentVersion()).isNull();
        assertThat(status.rows()).extracting(StatusReport.Row::status).containsExactly(MigrationStatus.PENDING);
        assertThat(status.needsAttention()).isTrue();
        assertThat(db.migrations().validate().valid()).isTrue();
    }

    @Test
    void baselineAdoptsAnExistingDatabaseSoOnlyNewerMigrationsRun() throws Exception {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);")
                .file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint);");
        db.execute("CREATE TABLE babies (id bigint); INSERT INTO babies VALUES (42);");
        Migrations m = db.migrations();
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .hasMessageContaining("already has tables but no migration history")
                .hasMessageContaining("pgnest migrate baseline --version");

        BaselineResult baseline = m.baseline("1", "adopted from Prisma");
        assertThat(baseline.version()).isEqualTo("1");
        assertThat(m.status().rows()).extracting(StatusReport.Row::version, StatusReport.Row::status)
                .contains(tuple("1", MigrationStatus.BASELINE), tuple("2", MigrationStatus.PENDING));
        DeployReport report = m.deploy(DeployOptions.defaults());
        assertThat(report.applied()).extracting(DeployReport.Applied::version).containsExactly("2");
        assertThat(db.query("SELECT id FROM babies")).isEqualTo("42");

        assertThatThrownBy(() -> m.baseline("1", null)).isInstanceOf(PgnestException.class);
    }

    @Test
    void resetIsRefusedUnlessTheTargetIsDevelopmentAndForced() throws Exception {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        db.migrations().deploy(DeployOptions.defaults());
        db.execute("INSERT INTO babies VALUES (1)");
        assertThatThrownBy(() -> db.migrations(Environment.PROTECTED).reset(true))
                .isInstanceOf(PgnestException.class)
                .hasMessage("refusing to reset target app: it is not marked as a development environment (it is protected)"
                        + ": reset drops all data; only a target whose environment is development can be reset");
        assertThatThrownBy(() -> db.migrations(Environment.STANDARD).reset(true)).hasMessageContaining("(it is standard)");
        assertThatThrownBy(() -> db.migrations(Environment.DEVELOPMENT).reset(false)).hasMessageEndingWith("add --force to confirm");
        assertThat(db.query("SELECT count(*) FROM babies")).isEqualTo("1");
    }

    @Test
    void resetDropsEverythingAndReappliesAllMigrations() throws Exception {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);")
                .file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint);");
        Migrations m = db.migrations(Environment.DEVELOPMENT);
        m.deploy(DeployOptions.defaults());
        db.execute("INSERT INTO babies VALUES (1); CREATE TABLE hand_made (id int);");
        ResetReport reset = m.reset(true);
        assertThat(reset.schemasCleaned()).contains("public");
        assertThat(reset.deploy().applied()).extracting(DeployReport.Applied::version).containsExactly("1", "2");
        assertThat(db.query("SELECT count(*) FROM babies")).isEqualTo("0");
        assertThat(db.tableExists("hand_made")).isFalse();
        assertThat(m.status().needsAttention()).isFalse();
    }
}
