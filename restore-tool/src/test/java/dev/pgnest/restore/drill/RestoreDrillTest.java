package dev.pgnest.restore.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.Repository;
import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.testing.ShopDatabase;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Drills restore the latest backup somewhere harmless, check it, clean up, and record the result. */
@IntegrationTest
class RestoreDrillTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    static PostgresCluster pg; // started by servers
    static Storage storage;
    static Repository repository;
    static BackupManifest backup;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void backup() {
        storage = servers.closeAfterAll(new FsStorageConfig(tmp.resolve("repo")).open());
        Repository.init(storage);
        repository = Repository.open(storage);
        ShopDatabase.create(pg, "shop", ShopDatabase.writeMigrations(tmp.resolve("migrations")), "2");
        backup = LogicalBackup.run(repository, ShopDatabase.connection(pg, "shop"), LogicalBackupOptions.defaults("shop"),
                BackupProgress.NONE);
    }

    @Test
    void drillInAScratchClusterChecksVersionAndTablesAndRecordsTheResult() throws Exception {
        Path scratch = tmp.resolve("scratch");
        RestoreDrill.Result result = RestoreDrill.run(repository, null, options(RestoreDrill.Where.SCRATCH_CLUSTER, scratch,
                List.of("select count(*) = 2000 from orders", "select max(id) from customers")), "pgnest test");

        IncidentReport report = result.report();
        assertThat(result.passed()).as("%s", report).isTrue();
        assertThat(report.backup().id()).isEqualTo(backup.id());
        assertThat(report.checks()).extracting(IncidentReport.Check::name, IncidentReport.Check::actual).contains(
                org.assertj.core.groups.Tuple.tuple("schema version", "2"),
                org.assertj.core.groups.Tuple.tuple("rows in public.customers", "500"),
                org.assertj.core.groups.Tuple.tuple("rows in public.orders", "2000"),
                org.assertj.core.groups.Tuple.tuple("select count(*) = 2000 from orders", "true"),
                org.assertj.core.groups.Tuple.tuple("select max(id) from customers", "500"));
        assertThat(report.phases()).extracting(IncidentReport.Phase::name)
                .startsWith("start scratch cluster").endsWith("checks", "tear down");
        try (Stream<Path> left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
        assertThat(repository.catalog().listing("shop").lastProven(null)).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(report.id()));
        assertThat(result.recordedAt()).endsWith("shop/drills/" + report.id() + ".json");
    }

    @Test
    void aFailingSqlCheckFailsTheDrillAndIsRecordedAsFailed() {
        RestoreDrill.Result result = RestoreDrill.run(repository, ShopDatabase.connection(pg, "shop"),
                options(RestoreDrill.Where.SCRATCH_DATABASE, null, List.of("select count(*) > 1000000 from orders")), "pgnest test");

        assertThat(result.passed()).isFalse();
        assertThat(result.report().error()).isEqualTo("a check failed: select count(*) > 1000000 from orders");
        assertThat(result.report().checks()).filteredOn(c -> !c.passed()).extracting(IncidentReport.Check::actual)
                .containsExactly("false");
        assertThat(pg.queryForString("select count(*) from pg_database where datname like 'pgnest_drill_%'")).isEqualTo("0");
        assertThat(repository.catalog().listing("shop").drills()).filteredOn(d -> d.id().equals(result.report().id()))
                .singleElement().satisfies(d -> assertThat(d.succeeded()).isFalse());
    }

    private static RestoreDrill.Options options(RestoreDrill.Where where, Path scratch, List<String> checks) {
        ServerAccount account = switch (pg.runAs()) {
            case USER_NAMESPACE -> new ServerAccount.UserNamespace();
            case POSTGRES_USER -> new ServerAccount.OsUser("postgres");
            default -> new ServerAccount.CurrentUser();
        };
        return new RestoreDrill.Options("shop", null, where, scratch, account, PgBinaries.in(pg.binDir()), checks, null,
                tmp.resolve("staging"), null);
    }

    @Test
    void drillChecksReadThePrismaVersionOfATargetWithoutFlywayHistory() throws Exception {
        pg.createDatabase("prisma_drill");
        try (java.sql.Connection c = pg.connect("prisma_drill"); java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL,"
                    + " finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ,"
                    + " started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)");
            st.execute("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, applied_steps_count)"
                    + " VALUES (gen_random_uuid()::text, repeat('a', 64), now(), '20240108093000_init', NULL, 1),"
                    + " (gen_random_uuid()::text, repeat('b', 64), now(), '20240115141500_add_care_logs', NULL, 1),"
                    + " (gen_random_uuid()::text, repeat('c', 64), NULL, '20240201100000_add_milestones', now(), 0),"
                    + " (gen_random_uuid()::text, repeat('c', 64), NULL, '20240201100000_add_milestones', NULL, 0)");
        }
        dev.pgnest.restore.report.ReportRecorder recorder = dev.pgnest.restore.report.ReportRecorder.start(
                IncidentReport.Kind.drill, "prisma", "pgnest test");

        DrillChecks.run(ShopDatabase.connection(pg, "prisma_drill"), "20240115141500", "flyway_schema_history", List.of(), recorder);

        assertThat(recorder.checks()).extracting(IncidentReport.Check::name, IncidentReport.Check::passed,
                IncidentReport.Check::actual).contains(org.assertj.core.groups.Tuple.tuple("schema version", true, "20240115141500"));
    }
}
