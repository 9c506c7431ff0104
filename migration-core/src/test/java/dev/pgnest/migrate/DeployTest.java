package dev.pgnest.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.lint.Finding;
import dev.pgnest.migrate.lint.Rule;
import dev.pgnest.seed.BabyNest;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class DeployTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    private MigrationTestSupport db() {
        return new MigrationTestSupport(pg, dir);
    }

    @Test
    void deploysBabyNestInOrderAndRunsTheConcurrentIndexOutsideATransaction() throws Exception {
        MigrationTestSupport db = db();
        Migrations m = new Migrations(new MigrationSettings(db.target(Environment.STANDARD), List.of(BabyNest.MIGRATIONS_LOCATION)));
        DeployReport report = m.deploy(DeployOptions.defaults());
        assertThat(report.versionBefore()).isNull();
        assertThat(report.versionAfter()).isEqualTo(BabyNest.LATEST_VERSION);
        assertThat(report.applied()).extracting(DeployReport.Applied::version)
                .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(report.applied()).filteredOn(a -> !a.transactional()).extracting(DeployReport.Applied::version)
                .containsExactly("9");
        // BabyNest's migrations break no error rule; the warnings are true (logged_by is indexed only in V9).
        assertThat(report.lint()).extracting(f -> f.severity() + " " + f.rule().id()).containsExactly(
                "WARNING foreign-key-without-index", "WARNING foreign-key-without-index", "WARNING foreign-key-without-index",
                "WARNING foreign-key-without-index", "WARNING statements-after-access-exclusive-in-one-transaction",
                "WARNING trigger-on-existing-table", "WARNING statements-after-access-exclusive-in-one-transaction");
        assertThat(report.snapshot()).isNull(); // not a protected target
        // The expand/backfill/contract steps ran: amount_ml exists, amount_oz is gone.
        assertThat(db.columnExists("feeding_logs", "amount_ml")).isTrue();
        assertThat(db.columnExists("feeding_logs", "amount_oz")).isFalse();
        assertThat(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'feeding_logs_logged_by_idx'::regclass"))
                .isEqualTo("t");
        assertThat(db.query("SELECT count(*) FROM flyway_schema_history WHERE success")).isEqualTo("9");

        DeployReport again = m.deploy(DeployOptions.defaults());
        assertThat(again.applied()).isEmpty();
        assertThat(again.versionAfter()).isEqualTo("9");
    }

    @Test
    void dryRunReturnsThePendingSqlInOrderAndChangesNothing() throws Exception {
        MigrationTestSupport db = db()
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);\n")
                .file("V2__index_babies.sql", "CREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);\n");
        DeployReport plan = db.migrations().deploy(DeployOptions.defaults().withDryRun(true));
        assertThat(plan.dryRun()).isTrue();
        assertThat(plan.plan()).extracting(PlannedMigration::version).containsExactly("1", "2");
        assertThat(plan.plan().get(0).sql()).isEqualTo("CREATE TABLE babies (id bigint PRIMARY KEY);\n");
        assertThat(plan.plan()).extracting(PlannedMigration::transactional).containsExactly(true, false);
        assertThat(plan.applied()).isEmpty();
        assertThat(db.tableExists("babies")).isFalse();
        assertThat(db.tableExists("flyway_schema_history")).isFalse();
    }

    @Test
    void failingMigrationIsRolledBackShownAsFailedAndRecoversAfterResolveAndFix() throws Exception {
        MigrationTestSupport db = db()
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, name text);")
                .file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\nINSERT INTO no_such_table VALUES (1);\n");
        Migrations m = db.migrations();
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("migration 2 (add nickname) failed")
                .hasMessageContaining("relation \"no_such_table\" does not exist")
                .hasMessageContaining("rolled back, the database is still at version 1")
                .hasMessageContaining("pgnest migrate resolve --rolled-back 2");
        // The database is as before V2: its first statement was rolled back too.
        assertThat(db.tableExists("babies")).isTrue();
        assertThat(db.columnExists("babies", "nickname")).isFalse();

        StatusReport status = m.status();
        assertThat(status.currentVersion()).isEqualTo("1");
        assertThat(status.rows()).extracting(StatusReport.Row::version, StatusReport.Row::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1", MigrationStatus.APPLIED),
                        org.assertj.core.groups.Tuple.tuple("2", MigrationStatus.FAILED));
        assertThat(status.needsAttention()).isTrue();

        // Deploy refuses until the failure is resolved.
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .hasMessageContaining("migration 2 (add nickname) is recorded as failed");

        ResolveResult resolved = m.resolveRolledBack("2");
        assertThat(resolved.before()).isEqualTo(MigrationStatus.FAILED);
        assertThat(resolved.after()).isEqualTo(MigrationStatus.PENDING);

        db.file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\n");
        DeployReport report = m.deploy(DeployOptions.defaults());
        assertThat(report.applied()).extracting(DeployReport.Applied::version).containsExactly("2");
        assertThat(db.columnExists("babies", "nickname")).isTrue();
        assertThat(m.status().needsAttention()).isFalse();
        assertThat(m.validate().valid()).isTrue();
    }

    @Test
    void resolveAppliedRecordsAFailedMigrationCompletedByHand() throws Exception {
        MigrationTestSupport db = db()
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);")
                .file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;\nSELECT 1/0;\n");
        Migrations m = db.migrations();
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults())).hasMessageContaining("division by zero");
        db.execute("ALTER TABLE babies ADD COLUMN nickname text");
        ResolveResult r = m.resolveApplied("2");
        assertThat(r.after()).isEqualTo(MigrationStatus.APPLIED);
        assertThat(m.status().needsAttention()).isFalse();
        assertThat(m.deploy(DeployOptions.defaults()).applied()).isEmpty();
        assertThat(db.query("SELECT count(*) FROM flyway_schema_history WHERE version = '2'")).isEqualTo("1");
    }

    @Test
    void resolveRefusesMigrationsThatAreNotFailed() {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        Migrations m = db.migrations();
        m.deploy(DeployOptions.defaults());
        assertThatThrownBy(() -> m.resolveRolledBack("1"))
                .isInstanceOf(PgnestException.class).hasMessageStartingWith("migration 1 is not failed (it is applied)");
        assertThatThrownBy(() -> m.resolveApplied("7"))
                .hasMessageStartingWith("no migration with version 7");
    }

    @Test
    void resolveAppliedMarksTheNextPendingMigrationWithoutRunningIt() throws Exception {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY);");
        Migrations m = db.migrations();
        m.deploy(DeployOptions.defaults());
        db.file("V2__create_hand_made.sql", "CREATE TABLE hand_made (id int);")
                .file("V3__create_later.sql", "CREATE TABLE later (id int);");
        assertThatThrownBy(() -> m.resolveApplied("3")).hasMessageContaining("not the next pending migration (that is 2)");
        assertThat(m.resolveApplied("2").after()).isEqualTo(MigrationStatus.APPLIED);
        assertThat(db.tableExists("hand_made")).isFalse(); // recorded, not run
        assertThat(m.deploy(DeployOptions.defaults()).applied()).extracting(DeployReport.Applied::version).containsExactly("3");
        assertThat(db.tableExists("later")).isTrue();
        assertThat(m.validate().valid()).isTrue();
    }

    @Test
    void concurrentDeploysSerializeOnTheAdvisoryLockAndApplyEachMigrationOnce() throws Exception {
        MigrationTestSupport db = db()
                .file("V1__create_runs.sql", "CREATE TABLE runs (migration int);")
                .file("V2__slow.sql", "SELECT pg_sleep(2);\nINSERT INTO runs VALUES (2);\n");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<DeployReport>> deploys = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                deploys.add(CompletableFuture.supplyAsync(() -> db.migrations().deploy(DeployOptions.defaults()), pool));
            }
            // Flyway polls pg_try_advisory_lock: the lock is visible as granted to one session.
            boolean sawAdvisoryLock = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!deploys.stream().allMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
                sawAdvisoryLock |= !"0".equals(pg.queryForString(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"));
                Thread.sleep(50);
            }
            List<Integer> appliedCounts = new ArrayList<>();
            for (CompletableFuture<DeployReport> d : deploys) {
                appliedCounts.add(d.get(30, TimeUnit.SECONDS).applied().size());
            }
            assertThat(sawAdvisoryLock).isTrue();
            assertThat(appliedCounts).containsExactlyInAnyOrder(2, 0);
            assertThat(db.query("SELECT count(*) FROM runs")).isEqualTo("1");
            assertThat(db.query("SELECT count(*) FROM flyway_schema_history")).isEqualTo("2");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void lintErrorsRefuseTheDeployUnlessUnsafeIsAllowed() throws Exception {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint PRIMARY KEY, nick text);");
        Migrations m = db.migrations();
        m.deploy(DeployOptions.defaults());
        db.file("V2__drop_nick.sql", "SET LOCAL lock_timeout = '5s';\nALTER TABLE babies DROP COLUMN nick;\n");
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("lint found 1 unsafe statement in pending migrations, first: V2__drop_nick.sql:2 drop-column")
                .hasMessageContaining("--allow-unsafe");
        assertThat(db.columnExists("babies", "nick")).isTrue();

        DeployReport report = m.deploy(DeployOptions.defaults().withAllowUnsafe(true));
        assertThat(report.lint()).extracting(Finding::rule).containsExactly(Rule.DROP_COLUMN);
        assertThat(db.columnExists("babies", "nick")).isFalse();
    }

    @Test
    void migrationMixingConcurrentIndexWithOtherStatementsIsRefused() throws Exception {
        MigrationTestSupport db = db().file("V1__mixed.sql",
                "CREATE TABLE babies (id bigint);\nCREATE INDEX CONCURRENTLY babies_id_idx ON babies (id);\n");
        assertThatThrownBy(() -> db.migrations().deploy(DeployOptions.defaults()))
                .hasMessageContaining("V1__mixed.sql mixes statements that must run outside a transaction")
                .hasMessageContaining("move those statements into a migration file of their own");
        assertThat(db.tableExists("babies")).isFalse();
    }

    @Test
    void failedNonTransactionalMigrationIsRecordedAndSaysPartOfItMayBeApplied() throws Exception {
        MigrationTestSupport db = db()
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);\nINSERT INTO babies VALUES (1), (1);")
                .file("V2__unique_index.sql", "CREATE UNIQUE INDEX CONCURRENTLY babies_id_key ON babies (id);\n");
        Migrations m = db.migrations();
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults()))
                .hasMessageContaining("migration 2 (unique index) failed")
                .hasMessageContaining("ran outside a transaction")
                .satisfies(e -> assertThat(((PgnestException) e).problem()).endsWith("it left the INVALID index public.babies_id_key"))
                .satisfies(e -> assertThat(((PgnestException) e).hint()).isEqualTo("fix V2__unique_index.sql, run DROP INDEX"
                        + " CONCURRENTLY IF EXISTS public.babies_id_key, then run pgnest migrate resolve --rolled-back 2 and deploy again"));
        assertThat(m.status().withStatus(MigrationStatus.FAILED)).extracting(StatusReport.Row::version).containsExactly("2");
        // What PostgreSQL leaves behind: the invalid index the hint talks about.
        assertThat(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'babies_id_key'::regclass")).isEqualTo("f");
    }

    @Test
    void protectedTargetGetsARestorePointBeforeAnythingIsApplied() throws Exception {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        Migrations m = db.migrations(Environment.PROTECTED);
        DeployReport report = m.deploy(DeployOptions.defaults());
        Snapshot s = report.snapshot();
        assertThat(s).isNotNull();
        assertThat(s.recorded()).isTrue();
        assertThat(s.kind()).isEqualTo("restore-point");
        assertThat(s.name()).startsWith("pgnest_app_before_v1_");
        assertThat(s.location()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(s.schemaVersion()).isNull(); // the database was empty before
        // Nothing pending: no snapshot either.
        assertThat(m.deploy(DeployOptions.defaults()).snapshot()).isNull();
    }

    @Test
    void hookSeesTheVersionsAndCanStopTheDeployBeforeAnythingIsApplied() throws Exception {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        Migrations m = db.migrations(Environment.PROTECTED);
        m.deploy(DeployOptions.defaults());
        db.file("V2__create_sleeps.sql", "CREATE TABLE sleeps (id bigint);");
        List<PreMigrationHook.Context> seen = new ArrayList<>();
        PreMigrationHook refusing = context -> {
            seen.add(context);
            throw new PgnestException(ErrorKind.STORAGE, "backup bucket unreachable", "check the repository");
        };
        assertThatThrownBy(() -> m.deploy(DeployOptions.defaults().withHook(refusing)))
                .isInstanceOf(PgnestException.class).hasMessage("backup bucket unreachable: check the repository");
        assertThat(seen).singleElement().satisfies(c -> {
            assertThat(c.schemaVersion()).isEqualTo("1");
            assertThat(c.firstPending()).isEqualTo("2");
        });
        assertThat(db.tableExists("sleeps")).isFalse();
        assertThat(m.status().withStatus(MigrationStatus.PENDING)).hasSize(1);
    }

    @Test
    void standardTargetNeverCallsTheHook() throws Exception {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        DeployReport report = db.migrations().deploy(DeployOptions.defaults().withHook(c -> {
            throw new AssertionError("hook called for a standard target");
        }));
        assertThat(report.applied()).hasSize(1);
        assertThat(report.snapshot()).isNull();
    }

    @Test
    void wrongPasswordIsOneLineWithoutThePassword() {
        MigrationTestSupport db = db().file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        DatabaseTarget bad = new DatabaseTarget("app", pg.jdbcUrl(db.database), pg.user(), "not-the-Secret-42", Environment.STANDARD);
        Migrations m = new Migrations(new MigrationSettings(bad, List.of("filesystem:" + dir)));
        assertThatThrownBy(m::status)
                .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.DATABASE))
                .hasMessageStartingWith("cannot connect to target app at " + pg.jdbcUrl(db.database))
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-Secret-42").doesNotContain("\n"));
        assertThat(bad.toString()).doesNotContain("not-the-Secret-42");
    }

    private MigrationTestSupport babiesDeployed(String v1) {
        MigrationTestSupport db = db().file("V1__create_babies.sql", v1);
        db.migrations().deploy(DeployOptions.defaults());
        return db;
    }

    @Test
    void migrationBlockedByALongTransactionIsRetriedAndAppliedOnceItEnds() throws Exception {
        MigrationTestSupport db = babiesDeployed("CREATE TABLE babies (id bigint PRIMARY KEY);");
        db.file("V2__add_nickname.sql", "ALTER TABLE babies ADD COLUMN nickname text;");
        ListAppender<ILoggingEvent> log = MigrationTestSupport.captureDeployLog();
        try (AutoCloseable reader = db.blocker("SELECT * FROM babies", null)) {
            // The long query ends while deploy waits to retry.
            MigrationTestSupport.releaseAfterFirstRetryIsLogged(log, reader);
            DeployReport report = db.migrations(3).deploy(DeployOptions.defaults());
            assertThat(report.applied()).extracting(DeployReport.Applied::version).containsExactly("2");
        }
        assertThat(db.columnExists("babies", "nickname")).isTrue();
        assertThat(db.query("SELECT string_agg(version || ' ' || success, ', ' ORDER BY installed_rank) FROM flyway_schema_history"))
                .isEqualTo("1 true, 2 true");
        assertThat(MigrationTestSupport.messages(log)).first().asString()
                .startsWith("migration V2__add_nickname.sql hit lock_timeout on attempt 1 of 4 (ERROR: canceling statement due to lock timeout")
                .endsWith("retrying in 300 ms");
    }

    @Test
    void migrationStillBlockedAfterItsRetriesFailsWithNothingAppliedAndIsRecordedFailed() throws Exception {
        MigrationTestSupport db = babiesDeployed("CREATE TABLE babies (id bigint PRIMARY KEY);");
        db.file("V2__add_nickname.sql", "CREATE TABLE notes (id bigint);\nALTER TABLE babies ADD COLUMN nickname text;");
        ListAppender<ILoggingEvent> log = MigrationTestSupport.captureDeployLog();
        try (AutoCloseable reader = db.blocker("SELECT * FROM babies", null)) {
            assertThatThrownBy(() -> db.migrations(1).deploy(DeployOptions.defaults()))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageStartingWith("migration 2 (add nickname) failed at line 2: ERROR: canceling statement due to lock timeout")
                    .satisfies(e -> assertThat(((PgnestException) e).problem())
                            .endsWith("its changes were rolled back, the database is still at version 1"));
        }
        assertThat(MigrationTestSupport.messages(log)).hasSize(2).last().asString()
                .isEqualTo("migration V2__add_nickname.sql hit lock_timeout on attempt 2 of 2; no retries left");
        assertThat(db.tableExists("notes")).isFalse();
        assertThat(db.columnExists("babies", "nickname")).isFalse();
        assertThat(db.migrations().status().rows()).extracting(r -> r.version() + " " + r.status())
                .containsExactly("1 APPLIED", "2 FAILED");
    }

    @Test
    void concurrentIndexThatTimesOutNamesItsInvalidIndexOrDropsItAndRetries() throws Exception {
        MigrationTestSupport db = babiesDeployed("CREATE TABLE babies (id bigint PRIMARY KEY, name text);");
        db.file("V2__index_names.sql", "CREATE INDEX CONCURRENTLY babies_name_idx ON babies (name);");
        // A writer's open transaction: the build waits for it after creating the (INVALID) index.
        try (AutoCloseable writer = db.blocker("INSERT INTO babies VALUES (1, 'Ada')", null)) {
            assertThatThrownBy(() -> db.migrations(3).deploy(DeployOptions.defaults()))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("canceling statement due to lock timeout")
                    .satisfies(e -> assertThat(((PgnestException) e).problem())
                            .endsWith("it left the INVALID index public.babies_name_idx"))
                    .satisfies(e -> assertThat(((PgnestException) e).hint())
                            .contains("run DROP INDEX CONCURRENTLY IF EXISTS public.babies_name_idx (or deploy with --drop-invalid-indexes)"));
        }
        assertThat(db.query("SELECT string_agg(indexrelid::regclass::text, ',') FROM pg_index WHERE NOT indisvalid"))
                .isEqualTo("babies_name_idx");
        db.execute("DROP INDEX CONCURRENTLY IF EXISTS public.babies_name_idx"); // the fix the hint names
        db.migrations().resolveRolledBack("2");

        ListAppender<ILoggingEvent> log = MigrationTestSupport.captureDeployLog();
        try (AutoCloseable writer = db.blocker("INSERT INTO babies VALUES (2, 'Bo')", null)) {
            MigrationTestSupport.releaseAfterFirstRetryIsLogged(log, writer);
            DeployReport report = db.migrations(3).deploy(DeployOptions.defaults().withDropInvalidIndexes(true));
            assertThat(report.applied()).extracting(DeployReport.Applied::version).containsExactly("2");
        }
        assertThat(MigrationTestSupport.messages(log)).contains("dropping INVALID index public.babies_name_idx left by a failed concurrent build");
        assertThat(db.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isEqualTo("0");
        assertThat(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'babies_name_idx'::regclass")).isEqualTo("t");
    }

    @Test
    void eachMigrationRunsUnderDeploysTimeoutsUnlessItSetsItsOwnAndConcurrentBuildsWaitLonger() throws Exception {
        String check = "DO $$ BEGIN IF current_setting('lock_timeout') <> '%s' OR current_setting('statement_timeout') <> '%s'"
                + " THEN RAISE EXCEPTION 'timeouts %%/%%', current_setting('lock_timeout'), current_setting('statement_timeout');"
                + " END IF; END $$;";
        MigrationTestSupport db = db()
                .file("V1__deploys_timeouts.sql", check.formatted("5s", "30s"))
                .file("V2__own_timeouts.sql", "SET LOCAL lock_timeout = '1s';\nSET LOCAL statement_timeout = '1min';\n"
                        + check.formatted("1s", "1min"));
        DeploySafety safety = new DeploySafety(Duration.ofSeconds(5), Duration.ofMinutes(2), Duration.ofSeconds(30), 3,
                Duration.ofSeconds(5));
        Migrations m = new Migrations(new MigrationSettings(db.target(Environment.STANDARD), List.of("filesystem:" + dir))
                .withSafety(safety));
        assertThat(m.deploy(DeployOptions.defaults()).applied()).extracting(DeployReport.Applied::version)
                .containsExactly("1", "2");

        try (java.sql.Connection c = pg.connect(db.database); java.sql.Statement st = c.createStatement()) {
            safety.before(c, "CREATE INDEX CONCURRENTLY babies_name_idx ON babies (name);");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT current_setting('lock_timeout')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("2min");
            }
        }
    }
}
