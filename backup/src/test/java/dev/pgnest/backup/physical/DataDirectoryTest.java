package dev.pgnest.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

    @TempDir
    Path tmp;

    @Test
    void skipsWhatPostgresSaysNotToCopyAndKeepsTheDirectories() throws IOException {
        Path d = tmp.resolve("data");
        file(d, "PG_VERSION", "15\n");
        file(d, "global/pg_control", "control");
        file(d, "global/1262", "x");
        file(d, "global/pg_internal.init", "cache");
        file(d, "postmaster.pid", "123");
        file(d, "postmaster.opts", "opts");
        file(d, "backup_label", "old");
        file(d, "postgresql.auto.conf", "a = 1");
        file(d, "postgresql.auto.conf.tmp", "half");
        file(d, "pg_wal/000000010000000000000001", "wal");
        file(d, "pg_wal/archive_status/000000010000000000000001.done", "");
        file(d, "pg_replslot/slot1/state", "s");
        file(d, "pg_stat_tmp/global.stat", "s");
        file(d, "pg_subtrans/0000", "s");
        file(d, "pg_xact/0000", "clog");
        file(d, "base/5/1259", "logged");
        file(d, "base/5/1259_fsm", "logged fsm");
        file(d, "base/5/16384", "unlogged main");
        file(d, "base/5/16384.1", "unlogged main 2nd GB");
        file(d, "base/5/16384_fsm", "unlogged fsm");
        file(d, "base/5/16384_init", "init fork");
        file(d, "base/5/pg_internal.init", "cache");
        file(d, "base/pgsql_tmp/pgsql_tmp123.0", "sort spill");
        file(d, "base/5/pgsql_tmp99", "temp");
        Files.createDirectories(d.resolve("pg_tblspc"));
        Files.createDirectories(d.resolve("pg_logical/snapshots"));
        Path tsLocation = tmp.resolve("ts1");
        file(tsLocation, "PG_15_202209061/5/17000", "ts table");
        file(tsLocation, "PG_15_202209061/5/17001_init", "ts unlogged init");
        file(tsLocation, "PG_15_202209061/5/17001", "ts unlogged main");
        Files.createSymbolicLink(d.resolve("pg_tblspc/16400"), tsLocation);

        DataDirectory.Scan scan = DataDirectory.scan(d);

        assertThat(scan.files()).extracting(DataDirectory.DataFile::path).containsExactly(
                "PG_VERSION", "base/5/1259", "base/5/1259_fsm", "base/5/16384_init", "global/1262",
                "pg_tblspc/16400/PG_15_202209061/5/17000", "pg_tblspc/16400/PG_15_202209061/5/17001_init",
                "pg_xact/0000", "postgresql.auto.conf");
        assertThat(scan.controlFile().path()).isEqualTo("global/pg_control");
        assertThat(scan.directories()).contains("pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp",
                "pg_subtrans", "pg_logical/snapshots", "pg_tblspc", "pg_tblspc/16400", "base", "base/5")
                .doesNotContain("base/pgsql_tmp", "pg_replslot/slot1");
        assertThat(scan.tablespaces()).containsExactly(new DataDirectory.Tablespace("16400", tsLocation.toRealPath()));
        assertThat(scan.totalBytes()).isEqualTo("15\n".length() + "control".length() + "x".length() + "a = 1".length()
                + "clog".length() + "logged".length() + "logged fsm".length() + "init fork".length()
                + "ts table".length() + "ts unlogged init".length());
    }

    @Test
    void notADataDirectoryNamesTheFix() {
        assertThatThrownBy(() -> DataDirectory.scan(tmp)).isInstanceOf(PgnestException.class)
                .hasMessageContaining("is not a PostgreSQL data directory")
                .hasMessageContaining("back up over the network");
    }

    private static void file(Path root, String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }
}
