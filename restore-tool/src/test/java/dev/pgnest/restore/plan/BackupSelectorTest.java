package dev.pgnest.restore.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import org.junit.jupiter.api.Test;

class BackupSelectorTest {

    @Test
    void beforeMigrationTakesFlywayVersionsAndPrismaMigrationNamesOrTimestamps() {
        assertThat(BackupSelector.of(null, "5")).isEqualTo(new BackupSelector.BeforeMigration("5"));
        assertThat(BackupSelector.of(null, "2.1")).isEqualTo(new BackupSelector.BeforeMigration("2.1"));
        assertThat(BackupSelector.of(null, "20240201100000")).isEqualTo(new BackupSelector.BeforeMigration("20240201100000"));
        assertThat(((BackupSelector.BeforeMigration) BackupSelector.of(null, "20240201100000_add_milestones")).version())
                .isEqualTo("20240201100000");
        assertThatThrownBy(() -> BackupSelector.of(null, "V5")).isInstanceOf(PgnestException.class)
                .hasMessageContaining("'V5' is not a migration version");
    }
}
