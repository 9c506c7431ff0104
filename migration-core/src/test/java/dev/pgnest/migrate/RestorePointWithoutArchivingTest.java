package dev.pgnest.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** wal_level = minimal: PostgreSQL cannot create restore points, and deploy must say so, not fail. */
@IntegrationTest
class RestorePointWithoutArchivingTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres(b -> b.setting("wal_level", "minimal").setting("max_wal_senders", "0")
            .setting("archive_mode", "off"));

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    @Test
    void protectedDeployReportsWhyNoRestorePointWasRecordedAndStillApplies() throws Exception {
        MigrationTestSupport db = new MigrationTestSupport(pg, dir)
                .file("V1__create_babies.sql", "CREATE TABLE babies (id bigint);");
        DeployReport report = db.migrations(Environment.PROTECTED).deploy(DeployOptions.defaults());
        assertThat(report.applied()).hasSize(1);
        assertThat(db.tableExists("babies")).isTrue();
        Snapshot s = report.snapshot();
        assertThat(s.recorded()).isFalse();
        assertThat(s.kind()).isEqualTo("none");
        assertThat(s.note()).startsWith("no restore point: ERROR: WAL level not sufficient for creating a restore point")
                .contains("needs wal_level replica or logical");
    }

    @Test
    void restorePointNamesFitPostgresLimit() {
        String name = RestorePointHook.name("a-very-long-target-name-that-goes-on-and-on", "20250304050607",
                java.time.Instant.parse("2025-03-04T05:06:07Z"));
        assertThat(name).hasSizeLessThanOrEqualTo(63).startsWith("pgnest_a-very-long-target-name");
    }
}
