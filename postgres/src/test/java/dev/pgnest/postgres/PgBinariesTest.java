package dev.pgnest.postgres;

import dev.pgnest.config.PgnestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgBinariesTest {
    @Test
    void findsTheInstalledPgDump() {
        Path pgDump = PgBinaries.in(null).program("pg_dump");
        assertThat(Files.isExecutable(pgDump)).isTrue();
        assertThat(pgDump.getFileName().toString()).isEqualTo("pg_dump");
    }

    @Test
    void missingProgramInConfiguredDirectoryNamesTheSetting(@TempDir Path empty) {
        assertThatThrownBy(() -> PgBinaries.in(empty).program("pg_dump"))
                .isInstanceOf(PgnestException.class)
                .hasMessage("pg_dump not found in " + empty + " (PGNEST_PG_BIN_DIR): point PGNEST_PG_BIN_DIR at the bin directory of the PostgreSQL version you use");
    }
}
