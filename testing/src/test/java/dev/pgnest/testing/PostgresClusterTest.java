package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.postgresql.PGProperty;

@IntegrationTest
class PostgresClusterTest {

    private static final String ROWS_SQL = "SELECT id, name FROM nest ORDER BY id";
    private static final List<List<String>> ROWS = List.of(
            List.of("1", "wren"), List.of("2", "robin"), List.of("3", "o'stork"));

    @Test
    void runsSqlWithCustomSettingsAndLeavesNothingBehindAfterClose() throws Exception {
        long t0 = System.nanoTime();
        PostgresCluster pg = PostgresCluster.builder()
                .setting("wal_level", "logical")
                .setting("max_replication_slots", "7")
                .setting("cluster_name", "it's quoted")
                .start();
        long startMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("PostgresCluster start took " + startMillis + " ms (" + pg.runAs() + ")");
        Path workDir = pg.workDir();
        long pid = pg.postmasterPid();
        try {
            assertThat(pid).isPositive();
            assertThat(PostgresCluster.isAlive(pid)).isTrue();
            assertThat(workDir.getFileName().toString()).startsWith("pgnest-pg-");
            assertThat(pg.dataDir()).startsWith(workDir);
            assertThat(pg.socketDir().resolve(".s.PGSQL." + pg.port())).exists();

            pg.execute("CREATE TABLE nest (id int PRIMARY KEY, name text NOT NULL)");
            pg.execute("INSERT INTO nest VALUES (1, 'wren'), (2, 'robin'), (3, 'o''stork')");
            assertThat(pg.queryForRows("postgres", ROWS_SQL)).isEqualTo(ROWS);
            assertThat(pg.queryForString("SELECT count(*) FROM nest")).isEqualTo("3");

            assertThat(pg.queryForString("SHOW wal_level")).isEqualTo("logical");
            assertThat(pg.queryForString("SHOW max_replication_slots")).isEqualTo("7");
            assertThat(pg.queryForString("SHOW cluster_name")).isEqualTo("it's quoted");
            assertThat(pg.queryForString("SHOW port")).isEqualTo(Integer.toString(pg.port()));
            assertThat(pg.queryForString("SHOW listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(pg.queryForString("SHOW max_connections")).isEqualTo("50");
            assertThat(pg.queryForString("SHOW fsync")).isEqualTo("on");
            assertThat(pg.queryForString("SHOW password_encryption")).isEqualTo("scram-sha-256");
            // the password really is checked over TCP
            assertThatThrownBy(() -> java.sql.DriverManager.getConnection(pg.jdbcUrl(), "postgres", "wrong"))
                    .hasMessageContaining("password authentication failed");
            // tests run as root and read the data dir directly (physical backups)
            assertThat(Files.readString(pg.dataDir().resolve("PG_VERSION")).strip()).isEqualTo("15");
            assertThat(pg.majorVersion()).isEqualTo(15);
        } finally {
            pg.close();
        }
        assertThat(workDir).doesNotExist();
        assertThat(PostgresCluster.isAlive(pid)).isFalse();
        assertThat(pg.isRunning()).isFalse();
        pg.close(); // idempotent
    }

    @Test
    void allowsPhysicalReplicationConnectionsOverTcp() throws Exception {
        try (PostgresCluster pg = PostgresCluster.builder().start()) {
            Properties props = new Properties();
            PGProperty.USER.set(props, pg.user());
            PGProperty.PASSWORD.set(props, pg.password());
            PGProperty.REPLICATION.set(props, "true");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
            PGProperty.PREFER_QUERY_MODE.set(props, "simple");
            String systemId = pg.queryForString("SELECT system_identifier::text FROM pg_control_system()");
            try (Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), props);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("systemid")).isEqualTo(systemId);
            }
        }
    }

    @Test
    void keepsDataAcrossRestartCrashAndStartExistingCopy() throws Exception {
        try (PostgresCluster pg = PostgresCluster.builder().dataChecksums().start()) {
            assertThat(pg.queryForString("SHOW data_checksums")).isEqualTo("on");
            pg.createDatabase("nest-db");
            pg.execute("nest-db", "CREATE TABLE nest (id int PRIMARY KEY, name text NOT NULL)");
            pg.execute("nest-db", "INSERT INTO nest VALUES (1, 'wren'), (2, 'robin'), (3, 'o''stork')");

            long before = pg.postmasterPid();
            pg.restart();
            assertThat(pg.postmasterPid()).isNotEqualTo(before);
            assertThat(pg.queryForRows("nest-db", ROWS_SQL)).isEqualTo(ROWS);

            pg.crash();
            assertThat(pg.isRunning()).isFalse();
            assertThat(PostgresCluster.isAlive(before)).isFalse();
            pg.start();
            assertThat(pg.queryForRows("nest-db", ROWS_SQL)).isEqualTo(ROWS);
            assertThat(pg.logTail()).contains("database system was interrupted");
            assertThat(pg.psql("-d", "nest-db", "-At", "-c", "SELECT name FROM nest WHERE id = 2").strip())
                    .isEqualTo("robin");

            // what a restore does: a copy of the data dir, written by the test, started on its own
            pg.stop();
            Path copy = pg.newServerDirectory("restored");
            copyTree(pg.dataDir(), copy);
            try (PostgresCluster restored = PostgresCluster.startExisting(copy, pg.password())) {
                assertThat(restored.port()).isNotEqualTo(pg.port());
                assertThat(restored.queryForRows("nest-db", ROWS_SQL)).isEqualTo(ROWS);
            }
            assertThat(copy).exists(); // the caller owns an existing data dir
            pg.start();
            assertThat(pg.queryForString("nest-db", "SELECT count(*) FROM nest")).isEqualTo("3");
        }
    }

    @Test
    void runsAsPostgresOsUserWhenAskedToAsRoot() {
        assumeTrue(dev.pgnest.postgres.server.ServerAccount.isRoot(), "only root needs runuser");
        try (PostgresCluster pg = PostgresCluster.builder().runAs(PostgresCluster.RunAs.POSTGRES_USER).start()) {
            assertThat(pg.queryForString("SELECT 40 + 2")).isEqualTo("42");
            Path archive = pg.newServerDirectory("archive");
            pg.execute("SELECT pg_catalog.pg_ls_dir('.') LIMIT 1");
            assertThat(ProcessHandle.of(pg.postmasterPid()).flatMap(h -> h.info().user())).hasValue("postgres");
            assertThat(archive).isDirectory();
        }
    }

    @Test
    void failedStartReportsServerLogAndCleansUp() {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(
                () -> PostgresCluster.builder().setting("shared_buffers", "lots").start());
        assertThat(failure)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PostgreSQL did not start")
                .hasMessageContaining("server log tail")
                .hasMessageContaining("invalid value for parameter \"shared_buffers\": \"lots\"");
        // other JVMs may be creating clusters in the same tmpdir: check this one's dir only
        java.util.regex.Matcher dataDir = java.util.regex.Pattern.compile("data dir (\\S+/pgnest-pg-[^/]+)/data")
                .matcher(failure.getMessage());
        assertThat(dataDir.find()).as(failure.getMessage()).isTrue();
        assertThat(Path.of(dataDir.group(1))).doesNotExist();
    }

    @Test
    void failedInitdbReportsItsOutput() {
        assertThatThrownBy(() -> PostgresCluster.builder().initdbArgument("--no-such-option").start())
                .hasMessageContaining("initdb failed")
                .hasMessageContaining("no-such-option");
    }

    @Test
    void rejectsMissingBinaries() {
        assertThatThrownBy(() -> PostgresCluster.builder().binDir(Path.of("/nonexistent/bin")).start())
                .hasMessageContaining("no executable pg_ctl in /nonexistent/bin");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
