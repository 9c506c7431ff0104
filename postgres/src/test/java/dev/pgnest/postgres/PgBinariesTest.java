package dev.pgnest.postgres;

import dev.pgnest.config.PgnestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    @Test
    void serverOfTheBackupsMajorIsTheConfiguredOneWhenItMatches() {
        PgBinaries configured = PgBinaries.in(Path.of("/usr/lib/postgresql/15/bin"));
        assertThat(PgBinaries.forServerMajor(15, configured)).isSameAs(configured);
    }

    @Test
    void serverOfAnotherMajorThanConfiguredComesFromDebiansDirectory(@TempDir Path dir) throws Exception {
        PgBinaries configured = PgBinaries.in(fakeServer(dir, "16.4"));
        PgBinaries chosen = PgBinaries.forServerMajor(15, configured);
        assertThat(chosen).isEqualTo(PgBinaries.ofMajor(15));
        assertThat(chosen.major()).isEqualTo(15);
    }

    @Test
    void noServerOfTheBackupsMajorIsRefusedNamingWhereItLooked(@TempDir Path dir) throws Exception {
        Path bin = fakeServer(dir.resolve("pg16"), "16.4");
        Path debianRoot = Files.createDirectories(dir.resolve("debian"));
        assertThatThrownBy(() -> PgBinaries.forServerMajor(17, PgBinaries.in(bin), debianRoot))
                .isInstanceOf(PgnestException.class)
                .hasMessage("the backup is of PostgreSQL 17, but pg.bin-dir " + bin + " holds PostgreSQL 16, "
                        + debianRoot.resolve("17/bin") + " does not exist and pg.server-bin-dirs is not set: install "
                        + "postgresql-17, or add PostgreSQL 17's bin directory to pg.server-bin-dirs (PGNEST_PG_SERVER_BIN_DIRS)");
    }

    @Test
    void serverOfAnotherMajorComesFromTheServerBinDirsThatHoldsIt(@TempDir Path dir) throws Exception {
        Path bin = fakeServer(dir.resolve("pg15"), "15.8");
        Path pg16 = fakeServer(dir.resolve("pg16"), "16.4");
        Path pg17 = fakeServer(dir.resolve("pg17"), "17.2");
        Path debianRoot = Files.createDirectories(dir.resolve("debian"));
        PgBinaries configured = PgBinaries.in(bin).withServerDirs(java.util.List.of(pg16, pg17));

        PgBinaries chosen = PgBinaries.forServerMajor(17, configured, debianRoot);

        assertThat(chosen.directory()).contains(pg17);
        assertThat(chosen.major()).isEqualTo(17);
        // a server-only build: client programs from pg.bin-dir, server programs never
        Files.writeString(bin.resolve("psql"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(bin.resolve("psql"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(bin.resolve("pg_waldump"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(bin.resolve("pg_waldump"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(chosen.program("psql")).isEqualTo(bin.resolve("psql"));
        assertThat(chosen.program("pg_ctl")).isEqualTo(pg17.resolve("pg_ctl"));
        assertThatThrownBy(() -> chosen.program("pg_waldump")).hasMessageStartingWith("pg_waldump not found in " + pg17);
        assertThatThrownBy(() -> PgBinaries.forServerMajor(18, configured, debianRoot))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("the backup is of PostgreSQL 18, but pg.bin-dir " + bin + " holds PostgreSQL 15, "
                        + debianRoot.resolve("18/bin") + " does not exist, pg.server-bin-dirs' " + pg16
                        + " holds PostgreSQL 16 and pg.server-bin-dirs' " + pg17 + " holds PostgreSQL 17: ");
    }

    @Test
    void debianDirectoryWithoutTheServerIsNotChosen(@TempDir Path dir) throws Exception {
        Path bin = fakeServer(dir.resolve("pg16"), "16.4");
        Path debianRoot = dir.resolve("debian");
        Files.createDirectories(debianRoot.resolve("17/bin"));
        assertThatThrownBy(() -> PgBinaries.forServerMajor(17, PgBinaries.in(bin), debianRoot))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining(debianRoot.resolve("17/bin") + " has no server programs (pg_ctl, postgres)");
    }

    @Test
    void majorOfAVersionNum() {
        assertThat(PgBinaries.majorOf(150008)).isEqualTo(15);
        assertThat(PgBinaries.majorOf(180000)).isEqualTo(18);
    }

    /** A bin directory whose {@code postgres --version} says {@code version}. */
    private static Path fakeServer(Path dir, String version) throws Exception {
        Files.createDirectories(dir);
        for (String program : java.util.List.of("postgres", "pg_ctl")) {
            Path p = dir.resolve(program);
            Files.writeString(p, "#!/bin/sh\necho '" + program + " (PostgreSQL) " + version + "'\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }
}
