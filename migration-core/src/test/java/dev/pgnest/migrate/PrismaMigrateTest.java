package dev.pgnest.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.drift.DriftCheck;
import dev.pgnest.migrate.drift.DriftReport;
import dev.pgnest.postgres.Databases;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BabyNest schema as Prisma Migrate generates it, on databases whose
 * {@code _prisma_migrations} rows were written the way Prisma's schema engine writes them
 * (sql_migration_persistence.rs: uuid v4 id, SHA-256 hex checksum, started row, then the step
 * count and finished_at; logs on failure; rolled_back_at from resolve). The Prisma CLI cannot
 * run here (its engines are downloaded at install time), so Prisma's reading of the history is
 * stood in for by comparing every column with what its engine writes.
 */
@IntegrationTest
class PrismaMigrateTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    private static final String INIT = "20240108093000_init";
    private static final String CARE_LOGS = "20240115141500_add_care_logs";
    private static final String MILESTONES = "20240201100000_add_milestones";
    private static final String AMOUNT_ML = "20240220083000_add_feeding_amount_ml";

    @TempDir
    Path dir;

    private MigrationTestSupport db;

    private Path project() throws IOException, URISyntaxException {
        Path source = Path.of(getClass().getResource("/prisma/babynest").toURI());
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        db = new MigrationTestSupport(pg, dir);
        return dir;
    }

    private Migrations migrations(Environment environment) {
        return new Migrations(new MigrationSettings(db.target(environment), List.of("filesystem:" + dir)));
    }

    private String sql(String migration) throws IOException {
        return Files.readString(dir.resolve(migration).resolve("migration.sql"), StandardCharsets.UTF_8);
    }

    /** Prisma's DDL for the table, as its engine creates it on PostgreSQL. */
    private void prismaCreatesItsTable() throws Exception {
        db.execute("""
                CREATE TABLE _prisma_migrations (
                    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
                    checksum                VARCHAR(64) NOT NULL,
                    finished_at             TIMESTAMPTZ,
                    migration_name          VARCHAR(255) NOT NULL,
                    logs                    TEXT,
                    rolled_back_at          TIMESTAMPTZ,
                    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
                    applied_steps_count     INTEGER NOT NULL DEFAULT 0
                )""");
    }

    /** What `prisma migrate deploy` does for one migration: the started row, the script, then the step and finished_at. */
    private void prismaApplied(String migration, String at) throws Exception {
        db.execute(sql(migration));
        insert(migration, at, "'" + at + "'::timestamptz + interval '87 milliseconds'", null, null, 1);
    }

    /** A failed attempt: the started row with the error in logs, finished_at null. */
    private void prismaFailed(String migration, String at, String rolledBackAt) throws Exception {
        insert(migration, at, null, "Migration name: " + migration + "\n\nDatabase error code: 42P07\n\nDatabase error:\n"
                + "ERROR: relation \"Milestone\" already exists", rolledBackAt, 0);
    }

    private void insert(String migration, String startedAt, String finishedAt, String logs, String rolledBackAt, int steps)
            throws Exception {
        try (Connection c = pg.connect(db.database); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at,"
                        + " applied_steps_count) VALUES (gen_random_uuid()::text, encode(sha256(convert_to(?, 'UTF8')), 'hex'), "
                        + (finishedAt == null ? "NULL" : finishedAt) + ", ?, ?, ?::timestamptz, ?::timestamptz, ?)")) {
            ps.setString(1, sql(migration));
            ps.setString(2, migration);
            ps.setString(3, logs);
            ps.setString(4, rolledBackAt);
            ps.setString(5, startedAt);
            ps.setInt(6, steps);
            ps.executeUpdate();
        }
    }

    /**
     * Every row, oldest first, each column as Prisma's engine would have written it checked
     * by the database itself: id a uuid v4, checksum the SHA-256 of the file on disk.
     */
    private List<List<String>> rows() throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = pg.connect(db.database); PreparedStatement ps = c.prepareStatement("""
                SELECT migration_name,
                       id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS uuid_v4,
                       checksum,
                       CASE WHEN finished_at IS NULL THEN 'unfinished' WHEN finished_at >= started_at THEN 'finished'
                            ELSE 'finished before start' END AS finished,
                       CASE WHEN logs IS NULL THEN 'null' WHEN logs = '' THEN 'empty' ELSE 'error' END AS logs,
                       rolled_back_at IS NOT NULL AS rolled_back,
                       applied_steps_count::text
                FROM _prisma_migrations ORDER BY started_at, migration_name""")) {
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.add(rs.getString(i));
                    }
                    row.set(2, String.valueOf(row.get(2).equals(sha256OfFile(c, row.get(0)))).substring(0, 1));
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** The file's SHA-256 as PostgreSQL computes it: an oracle independent of pgnest's code. */
    private String sha256OfFile(Connection c, String migration) throws Exception {
        Path file = dir.resolve(migration).resolve("migration.sql");
        if (!Files.exists(file)) {
            return "no file";
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT encode(sha256(convert_to(?, 'UTF8')), 'hex')")) {
            ps.setString(1, Files.readString(file, StandardCharsets.UTF_8));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static List<String> row(String name, String checksumOfFile, String finished, String logs, String rolledBack, int steps) {
        return List.of(name, "t", checksumOfFile, finished, logs, rolledBack, String.valueOf(steps));
    }

    @Test
    void prismaHistoryWithFailedAndRolledBackAttemptsIsReadResolvedAndDeployedAsPrismaWould() throws Exception {
        project();
        prismaCreatesItsTable();
        prismaApplied(INIT, "2024-01-08 09:31:02.114+00");
        prismaApplied(CARE_LOGS, "2024-01-15 14:20:40.503+00");
        // add_milestones failed once, was resolved --rolled-back with Prisma, then failed again
        prismaFailed(MILESTONES, "2024-02-01 10:02:11.020+00", "2024-02-01 10:30:00+00");
        prismaFailed(MILESTONES, "2024-02-01 10:41:37.870+00", null);
        Migrations m = migrations(Environment.PROTECTED);

        StatusReport status = m.status();
        assertThat(status.currentVersion()).isEqualTo("20240115141500");
        assertThat(status.rows()).extracting(StatusReport.Row::version, StatusReport.Row::description, StatusReport.Row::status)
                .containsExactly(
                        tuple("20240108093000", "init", MigrationStatus.APPLIED),
                        tuple("20240115141500", "add_care_logs", MigrationStatus.APPLIED),
                        tuple("20240201100000", "add_milestones", MigrationStatus.FAILED),
                        tuple("20240220083000", "add_feeding_amount_ml", MigrationStatus.PENDING));
        assertThat(status.rows().get(0).duration()).hasMillis(87);
        assertThat(m.validate().problems()).extracting(ValidationReport.Problem::version, ValidationReport.Problem::status)
                .containsExactly(tuple("20240201100000", MigrationStatus.FAILED));
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults().withHook(PreMigrationHook.NONE)))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("migration " + MILESTONES + " started at 2024-02-01T10:41:37.870Z is recorded as failed"
                        + " in _prisma_migrations of app: ERROR: relation \"Milestone\" already exists")
                .hasMessageContaining("pgnest migrate resolve --rolled-back " + MILESTONES);

        ResolveResult resolved = m.resolveRolledBack("20240201100000");
        assertThat(resolved).extracting(ResolveResult::version, ResolveResult::before, ResolveResult::after)
                .containsExactly(MILESTONES, MigrationStatus.FAILED, MigrationStatus.PENDING);

        AtomicReference<PreMigrationHook.Context> snapshot = new AtomicReference<>();
        DeployReport deploy = m.deploy(DeployOptions.defaults().withHook(context -> {
            snapshot.set(context);
            return Snapshot.none("test", context.schemaVersion());
        }));
        assertThat(deploy.applied()).extracting(DeployReport.Applied::version).containsExactly("20240201100000", "20240220083000");
        assertThat(deploy.versionBefore()).isEqualTo("20240115141500");
        assertThat(deploy.versionAfter()).isEqualTo("20240220083000");
        assertThat(snapshot.get().schemaVersion()).isEqualTo("20240115141500");
        assertThat(snapshot.get().firstPending()).isEqualTo("20240201100000");
        assertThat(db.columnExists("FeedingLog", "amountMl")).isTrue();
        assertThat(db.tableExists("\"Milestone\"")).isTrue();

        assertThat(rows()).containsExactly(
                row(INIT, "t", "finished", "null", "f", 1),
                row(CARE_LOGS, "t", "finished", "null", "f", 1),
                row(MILESTONES, "t", "unfinished", "error", "t", 0),
                row(MILESTONES, "t", "unfinished", "error", "t", 0),
                row(MILESTONES, "t", "finished", "null", "f", 1),
                row(AMOUNT_ML, "t", "finished", "null", "f", 1));
        assertThat(m.status().needsAttention()).isFalse();
        try (Connection c = pg.connect(db.database)) {
            // what a backup records as the schema version, and --before-migration compares with
            assertThat(Databases.schemaVersion(c, Databases.FLYWAY_TABLE)).hasValue("20240220083000");
            // what PITR --before-migration narrows the WAL search with
            assertThat(Databases.migrationRun(c, Databases.FLYWAY_TABLE, "20240108093000")).hasValue(new Databases.MigrationRun(
                    java.time.Instant.parse("2024-01-08T09:31:02.201Z"), java.time.Duration.ofMillis(87)));
            assertThat(Databases.migrationRun(c, Databases.FLYWAY_TABLE, "20240201100000").orElseThrow().finishedAt())
                    .isAfter(java.time.Instant.parse("2024-02-02T00:00:00Z")); // pgnest's run, not the failed attempts
        }
        assertThat(db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'flyway_schema_history'")).isEqualTo("0");

        // diff builds the shadow from the Prisma files, and sees a change made behind the migrations' back
        assertThat(new DriftCheck(m.settings(), null).run().drifted()).isFalse();
        db.execute("ALTER TABLE \"Baby\" ADD COLUMN \"nickname\" TEXT");
        DriftReport drift = new DriftCheck(m.settings(), null).run();
        assertThat(drift.differences()).extracting(d -> d.describe())
                .containsExactly("column public.Baby.nickname: not in the migrations (database has text NULL)");

        // edited and deleted after they were applied, as Prisma would report them
        Files.writeString(dir.resolve(INIT).resolve("migration.sql"), sql(INIT) + "\n-- edited\n");
        try (Stream<Path> files = Files.walk(dir.resolve(CARE_LOGS))) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
        assertThat(m.status().rows()).extracting(StatusReport.Row::version, StatusReport.Row::status).containsExactly(
                tuple("20240108093000", MigrationStatus.CHECKSUM_CHANGED),
                tuple("20240115141500", MigrationStatus.MISSING_LOCALLY),
                tuple("20240201100000", MigrationStatus.APPLIED),
                tuple("20240220083000", MigrationStatus.APPLIED));
        assertThat(m.validate().problems()).extracting(ValidationReport.Problem::status).containsExactly(
                MigrationStatus.CHECKSUM_CHANGED, MigrationStatus.MISSING_LOCALLY);
    }

    @Test
    void databaseWithoutHistoryIsBaselinedWithResolveAppliedAsInPrismasGuideThenDeployed() throws Exception {
        project();
        db.execute(sql(INIT)); // made before anyone used migrations

        assertThatThrownBy(() -> migrations(Environment.STANDARD).deploy(DeployOptions.defaults()))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("has tables (Baby, Caregiver, User) but no _prisma_migrations history")
                .hasMessageContaining("pgnest migrate resolve --applied " + INIT);

        Migrations m = migrations(Environment.STANDARD);
        assertThat(m.resolveApplied(INIT)).extracting(ResolveResult::before, ResolveResult::after)
                .containsExactly(MigrationStatus.PENDING, MigrationStatus.APPLIED);
        assertThat(db.query("SELECT started_at = finished_at FROM _prisma_migrations")).isEqualTo("t");
        assertThatThrownBy(() -> m.resolveApplied(INIT)).hasMessageContaining(INIT + " is already recorded as applied");

        assertThat(m.deploy(DeployOptions.defaults()).applied()).extracting(DeployReport.Applied::version)
                .containsExactly("20240115141500", "20240201100000", "20240220083000");
        assertThat(rows()).containsExactly(
                row(INIT, "t", "finished", "empty", "f", 0),
                row(CARE_LOGS, "t", "finished", "null", "f", 1),
                row(MILESTONES, "t", "finished", "null", "f", 1),
                row(AMOUNT_ML, "t", "finished", "null", "f", 1));
        // the table is Prisma's, column for column
        assertThat(db.query("SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' '"
                + " || coalesce(column_default, '-'), ', ' ORDER BY ordinal_position) FROM information_schema.columns"
                + " WHERE table_name = '_prisma_migrations'")).isEqualTo(
                "id character varying NO -, checksum character varying NO -, finished_at timestamp with time zone YES -, "
                        + "migration_name character varying NO -, logs text YES -, rolled_back_at timestamp with time zone YES -, "
                        + "started_at timestamp with time zone NO now(), applied_steps_count integer NO 0");
    }

    @Test
    void failingMigrationIsRolledBackAndRecordedFailedWithItsErrorAsPrismaDoes() throws Exception {
        project();
        Migrations m = migrations(Environment.STANDARD);
        m.deployUpTo("20240115141500", DeployOptions.defaults());
        db.execute("CREATE TABLE \"Milestone\" (id int)"); // someone got there first

        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("migration " + MILESTONES + " failed: ERROR: relation \"Milestone\" already exists;"
                        + " its changes were rolled back and it is recorded as failed in _prisma_migrations");
        assertThat(rows()).containsExactly(
                row(INIT, "t", "finished", "null", "f", 1),
                row(CARE_LOGS, "t", "finished", "null", "f", 1),
                row(MILESTONES, "t", "unfinished", "error", "f", 0));
        assertThat(db.query("SELECT logs FROM _prisma_migrations WHERE finished_at IS NULL"))
                .contains("Database error code: 42P07").contains("relation \"Milestone\" already exists");
        assertThat(m.status().withStatus(MigrationStatus.FAILED)).extracting(StatusReport.Row::version)
                .containsExactly("20240201100000");

        // fixed by hand: Prisma's resolve --applied rolls the failed row back and records a new one
        db.execute("DROP TABLE \"Milestone\"");
        db.execute(sql(MILESTONES));
        m.resolveApplied(MILESTONES);
        assertThat(rows().subList(2, 4)).containsExactly(
                row(MILESTONES, "t", "unfinished", "error", "t", 0),
                row(MILESTONES, "t", "finished", "empty", "f", 0));
        assertThat(m.deploy(DeployOptions.defaults()).applied()).extracting(DeployReport.Applied::version)
                .containsExactly("20240220083000");

        // reset of a development copy empties the schema, _prisma_migrations included, and deploys again
        ResetReport reset = migrations(Environment.DEVELOPMENT).reset(true);
        assertThat(reset.deploy().applied()).hasSize(4);
        assertThat(rows()).extracting(r -> r.get(0) + " " + r.get(3) + " " + r.get(6)).containsExactly(
                INIT + " finished 1", CARE_LOGS + " finished 1", MILESTONES + " finished 1", AMOUNT_ML + " finished 1");
    }

    @Test
    void migrationBlockedByALongQueryIsRetriedOnItsOneHistoryRowAndAppliedOnceTheQueryEnds() throws Exception {
        project();
        migrations(Environment.STANDARD).deployUpTo(MILESTONES, DeployOptions.defaults());
        ListAppender<ILoggingEvent> log = MigrationTestSupport.captureDeployLog();
        try (AutoCloseable reader = db.blocker("SELECT * FROM \"FeedingLog\"", null)) {
            MigrationTestSupport.releaseAfterFirstRetryIsLogged(log, reader);
            assertThat(db.migrations(3).deploy(DeployOptions.defaults()).applied()).extracting(DeployReport.Applied::version)
                    .containsExactly("20240220083000");
        }
        assertThat(MigrationTestSupport.messages(log)).first().asString()
                .startsWith("migration " + AMOUNT_ML + "/migration.sql hit lock_timeout on attempt 1 of 4");
        assertThat(rows().subList(3, rows().size())).containsExactly(row(AMOUNT_ML, "t", "finished", "null", "f", 1));
        assertThat(db.columnExists("FeedingLog", "amountMl")).isTrue();
    }

    @Test
    void migrationStillBlockedAfterItsRetriesIsRolledBackAndRecordedFailedOnceAsPrismaWould() throws Exception {
        project();
        migrations(Environment.STANDARD).deployUpTo(MILESTONES, DeployOptions.defaults());
        try (AutoCloseable reader = db.blocker("SELECT * FROM \"FeedingLog\"", null)) {
            assertThatThrownBy(() -> db.migrations(1).deploy(DeployOptions.defaults()))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("migration " + AMOUNT_ML + " failed: ERROR: canceling statement due to lock timeout;"
                            + " its changes were rolled back and it is recorded as failed in _prisma_migrations");
        }
        assertThat(rows().subList(3, rows().size())).containsExactly(row(AMOUNT_ML, "t", "unfinished", "error", "f", 0));
        assertThat(db.query("SELECT logs FROM _prisma_migrations WHERE finished_at IS NULL")).contains("Database error code: 55P03");
        assertThat(db.columnExists("FeedingLog", "amountMl")).isFalse();
        assertThat(migrations(Environment.STANDARD).status().withStatus(MigrationStatus.FAILED))
                .extracting(StatusReport.Row::version).containsExactly("20240220083000");
    }
}
