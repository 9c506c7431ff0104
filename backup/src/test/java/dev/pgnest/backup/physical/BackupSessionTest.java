package dev.pgnest.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.Lsn;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class BackupSessionTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "replica"));

    static PostgresCluster pg; // started by servers
    static DatabaseConnection db;

    @BeforeAll
    static void connection() {
        db = new DatabaseConnection(pg.host(), pg.port(), "postgres", pg.user(), pg.password(), Map.of());
    }

    @Test
    void startAndStopReportWhatTheServerWroteInTheBackupLabel() {
        pg.execute("CREATE TABLE IF NOT EXISTS t AS SELECT g FROM generate_series(1, 1000) g");
        try (BackupSession session = BackupSession.start(db, "pgnest test", true)) {
            BackupSession.BackupStart start = session.startPoint();
            assertThat(start.timeline()).isEqualTo(1);
            assertThat(start.segmentSize()).isEqualTo(16L * 1024 * 1024);
            assertThat(start.systemIdentifier()).hasToString(pg.queryForString("SELECT system_identifier FROM pg_control_system()"));
            assertThat(start.serverVersionNum()).isGreaterThanOrEqualTo(150000);
            assertThat(java.nio.file.Path.of(start.dataDirectory()).toAbsolutePath()).isEqualTo(pg.dataDir().toAbsolutePath());

            pg.execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
            BackupSession.BackupStop stop = session.stop();

            assertThat(stop.backupLabel())
                    .contains("START WAL LOCATION: " + start.lsn() + " (file " + start.segmentName() + ")")
                    .contains("LABEL: pgnest test")
                    .contains("START TIMELINE: 1");
            assertThat(stop.lsn()).isGreaterThan(start.lsn());
            // same rule as the server's pg_walfile_name for an end location
            assertThat(stop.segmentName()).isEqualTo(pg.queryForString("SELECT pg_walfile_name('" + stop.lsn() + "')"));
            assertThat(stop.tablespaceMap()).isEmpty();
            // pg_backup_stop switched segments: the server is already writing a later one
            assertThat(Lsn.parse(pg.queryForString("SELECT pg_current_wal_lsn()"))).isGreaterThanOrEqualTo(stop.lsn());
        }
    }

    @Test
    void scanOfARunningClusterLeavesOutWalPidFileAndUnloggedData() {
        pg.execute("CREATE UNLOGGED TABLE IF NOT EXISTS u AS SELECT g FROM generate_series(1, 1000) g");
        String unlogged = pg.queryForString("SELECT pg_relation_filepath('u')");
        String logged = pg.queryForString("SELECT pg_relation_filepath('pg_class')");
        DataDirectory.Scan scan = DataDirectory.scan(pg.dataDir());
        assertThat(scan.files()).extracting(DataDirectory.DataFile::path)
                .contains(logged, unlogged + "_init", "PG_VERSION", "postgresql.conf")
                .doesNotContain(unlogged, "postmaster.pid")
                .noneMatch(p -> p.startsWith("pg_wal/"));
        assertThat(scan.controlFile().size()).isEqualTo(8192);
    }
}
