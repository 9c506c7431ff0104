package dev.pgnest.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NewMigrationTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-04T05:06:07Z"), ZoneId.of("Asia/Tokyo"));

    @TempDir
    Path dir;

    @Test
    void createsATimestampedFileInUtcWithALockTimeoutPreamble() throws Exception {
        Path file = NewMigration.create(dir.resolve("db/migrations"), "add_baby_nickname", CLOCK);
        assertThat(file.getFileName().toString()).isEqualTo("V20250304050607__add_baby_nickname.sql");
        assertThat(Files.readString(file)).startsWith("-- add baby nickname\n").contains("SET LOCAL lock_timeout = '5s';");
    }

    @Test
    void refusesToOverwriteAnExistingFile() {
        NewMigration.create(dir, "add_baby_nickname", CLOCK);
        assertThatThrownBy(() -> NewMigration.create(dir, "add_baby_nickname", CLOCK))
                .isInstanceOf(PgnestException.class).hasMessageContaining("already exists");
    }

    @ParameterizedTest
    @ValueSource(strings = {"update", "fix", "fix_stuff", "changes_2", "wip", "migration", "schema_update"})
    void refusesVagueNames(String name) {
        assertThatThrownBy(() -> NewMigration.checkName(name))
                .isInstanceOfSatisfying(PgnestException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.USAGE))
                .hasMessage("migration name '" + name + "' is too vague: say what changes, e.g. add_baby_nickname or "
                        + "index_feeding_logs_started_at");
    }

    @ParameterizedTest
    @ValueSource(strings = {"AddBabyNickname", "add-baby-nickname", "add baby", "_add", "add__nick", "1_add", "add_"})
    void refusesNamesThatAreNotSnakeCase(String name) {
        assertThatThrownBy(() -> NewMigration.checkName(name)).hasMessageContaining("is not snake_case");
    }

    @Test
    void suggestsTheSnakeCaseSpelling() {
        assertThatThrownBy(() -> NewMigration.checkName("AddBabyNickname")).hasMessageEndingWith("e.g. add_baby_nickname");
    }

    @ParameterizedTest
    @ValueSource(strings = {"add_baby_nickname", "index_feeding_logs_started_at", "drop_legacy_reports", "fix_timezone_of_sleep_logs"})
    void acceptsDescriptiveSnakeCaseNames(String name) {
        NewMigration.checkName(name);
    }
}
