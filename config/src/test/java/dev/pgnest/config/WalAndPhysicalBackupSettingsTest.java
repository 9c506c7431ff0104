package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wal.* and backup.physical.* settings, which were environment variables read by the
 * commands before they were declared: the same variables must keep working, pgnest.yml and
 * the defaults come in behind them, and a bad value is one line naming the setting.
 */
class WalAndPhysicalBackupSettingsTest {
    @TempDir
    Path dir;

    private PgnestConfig load(String yaml, Map<String, String> env) throws IOException {
        if (yaml != null) {
            Files.writeString(dir.resolve("pgnest.yml"), yaml);
        }
        return new ConfigLoader(null, env, Map.of(), dir).load();
    }

    @Test
    void defaultsAreThoseTheCommandsHadBefore() throws IOException {
        PgnestConfig c = load(null, Map.of());
        SettingValues g = c.global();
        SettingValues t = c.target();
        assertThat(g.get(Settings.WAL_SPOOL_DIR)).isEmpty();
        assertThat(g.entry(Settings.WAL_SPOOL_DIR).source().kind()).isEqualTo(ValueSource.Kind.UNSET);
        assertThat(g.require(Settings.WAL_PUSH_PORT)).isZero();
        assertThat(g.require(Settings.WAL_PUSH_PARALLELISM)).isEqualTo(4);
        assertThat(g.require(Settings.WAL_PREFETCH)).isEqualTo(8);
        assertThat(g.entry(Settings.WAL_PREFETCH).source().kind()).isEqualTo(ValueSource.Kind.DEFAULT);
        assertThat(g.get(Settings.BACKUP_PARALLELISM)).isEmpty();
        assertThat(t.require(Settings.WAL_STREAM_SLOT)).isEqualTo("pgnest");
        assertThat(t.require(Settings.BACKUP_METHOD)).isEqualTo("auto");
        assertThat(t.get(Settings.BACKUP_DATA_DIR)).isEmpty();
        assertThat(t.require(Settings.BACKUP_WAL_TIMEOUT)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void theEnvironmentVariablesUsersAlreadySetKeepTheirNamesAndMeaning() throws IOException {
        PgnestConfig c = load(null, Map.of(
                "PGNEST_WAL_SPOOL_DIR", "/var/spool/pgnest",
                "PGNEST_WAL_PUSH_PORT", "7433",
                "PGNEST_WAL_PUSH_PARALLELISM", "6",
                "PGNEST_WAL_PREFETCH", "0",
                "PGNEST_WAL_STREAM_SLOT", "pgnest_2",
                "PGNEST_BACKUP_METHOD", "pg_basebackup",
                "PGNEST_DATA_DIR", "/mnt/pgdata",
                "PGNEST_BACKUP_PARALLELISM", "3",
                "PGNEST_BACKUP_WAL_TIMEOUT", "90"));
        SettingValues g = c.global();
        SettingValues t = c.target();
        assertThat(g.require(Settings.WAL_SPOOL_DIR)).isEqualTo(Path.of("/var/spool/pgnest"));
        assertThat(g.entry(Settings.WAL_SPOOL_DIR).source().toString()).isEqualTo("env PGNEST_WAL_SPOOL_DIR");
        assertThat(g.require(Settings.WAL_PUSH_PORT)).isEqualTo(7433);
        assertThat(g.require(Settings.WAL_PUSH_PARALLELISM)).isEqualTo(6);
        assertThat(g.require(Settings.WAL_PREFETCH)).isZero();
        assertThat(g.require(Settings.BACKUP_PARALLELISM)).isEqualTo(3);
        assertThat(t.require(Settings.WAL_STREAM_SLOT)).isEqualTo("pgnest_2");
        assertThat(t.require(Settings.BACKUP_METHOD)).isEqualTo("pg_basebackup");
        assertThat(t.require(Settings.BACKUP_DATA_DIR)).isEqualTo(Path.of("/mnt/pgdata"));
        assertThat(t.entry(Settings.BACKUP_DATA_DIR).source().toString()).isEqualTo("env PGNEST_DATA_DIR");
        // a bare number was seconds when this was an integer option; it still is
        assertThat(t.require(Settings.BACKUP_WAL_TIMEOUT)).isEqualTo(Duration.ofSeconds(90));
        assertThat(t.entry(Settings.BACKUP_WAL_TIMEOUT).display()).isEqualTo("90s");
    }

    @Test
    void pgnestYmlSetsThemPerHostAndPerTargetBehindTheEnvironment() throws IOException {
        String yaml = """
                wal:
                  spool-dir: /srv/pgnest/spool
                  push-port: 7500
                  prefetch: 16
                backup:
                  physical:
                    parallelism: 2
                target: prod
                targets:
                  prod:
                    wal:
                      stream-slot: prod_archive
                    backup:
                      physical:
                        method: files
                        data-dir: /mnt/prod
                        wal-timeout: 5m
                  staging:
                    backup:
                      physical:
                        method: pg_basebackup
                """;
        PgnestConfig c = load(yaml, Map.of("PGNEST_WAL_PREFETCH", "4", "PGNEST_BACKUP_METHOD", "pg_basebackup"));
        SettingValues g = c.global();
        assertThat(g.require(Settings.WAL_SPOOL_DIR)).isEqualTo(Path.of("/srv/pgnest/spool"));
        assertThat(g.entry(Settings.WAL_SPOOL_DIR).source().kind()).isEqualTo(ValueSource.Kind.FILE);
        assertThat(g.require(Settings.WAL_PUSH_PORT)).isEqualTo(7500);
        assertThat(g.require(Settings.WAL_PREFETCH)).isEqualTo(4);
        assertThat(g.entry(Settings.WAL_PREFETCH).source().toString()).isEqualTo("env PGNEST_WAL_PREFETCH");
        assertThat(g.require(Settings.BACKUP_PARALLELISM)).isEqualTo(2);

        SettingValues prod = c.target();
        assertThat(prod.require(Settings.WAL_STREAM_SLOT)).isEqualTo("prod_archive");
        assertThat(prod.require(Settings.BACKUP_METHOD)).isEqualTo("pg_basebackup");
        assertThat(prod.entry(Settings.BACKUP_METHOD).source().toString()).isEqualTo("env PGNEST_BACKUP_METHOD");
        assertThat(prod.require(Settings.BACKUP_DATA_DIR)).isEqualTo(Path.of("/mnt/prod"));
        assertThat(prod.require(Settings.BACKUP_WAL_TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
        // the environment applies to the selected target only
        SettingValues staging = c.targets().get("staging");
        assertThat(staging.require(Settings.BACKUP_METHOD)).isEqualTo("pg_basebackup");
        assertThat(staging.entry(Settings.BACKUP_METHOD).source().kind()).isEqualTo(ValueSource.Kind.FILE);
        assertThat(staging.require(Settings.WAL_STREAM_SLOT)).isEqualTo("pgnest");
    }

    @Test
    void aWrongValueIsOneLineNamingTheSettingWhereItCameFromAndWhatIsAllowed() {
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_WAL_PUSH_PORT", "70000")))
                .isInstanceOf(PgnestException.class)
                .hasMessage("invalid wal.push-port from environment variable PGNEST_WAL_PUSH_PORT: 70000 is outside 0..65535: "
                        + "expected integer 0..65535")
                .extracting(e -> ((PgnestException) e).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_WAL_PREFETCH", "lots")))
                .hasMessage("invalid wal.prefetch from environment variable PGNEST_WAL_PREFETCH: 'lots' is not a whole number: "
                        + "expected integer 0..256");
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_BACKUP_METHOD", "rsync")))
                .hasMessage("invalid backup.physical.method from environment variable PGNEST_BACKUP_METHOD: "
                        + "'rsync' is not one of auto, files, pg_basebackup: expected auto|files|pg_basebackup");
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_WAL_STREAM_SLOT", "Archive-Slot")))
                .hasMessage("invalid wal.stream-slot from environment variable PGNEST_WAL_STREAM_SLOT: "
                        + "'Archive-Slot' is not a replication slot name: expected lowercase letters, digits and _ (at most 63)");
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_BACKUP_PARALLELISM", "-1")))
                .hasMessage("invalid backup.physical.parallelism from environment variable PGNEST_BACKUP_PARALLELISM: "
                        + "-1 is outside 0..256: expected integer 0..256");
        assertThatThrownBy(() -> load("targets:\n  prod:\n    backup:\n      physical:\n        wal-timeout: soon\n", Map.of()))
                .hasMessageStartingWith("invalid backup.physical.wal-timeout from targets.prod.backup.physical.wal-timeout in ")
                .hasMessageEndingWith("'soon' is not a duration: expected duration (90s, 15m, 2h; a bare number is seconds)")
                .message().doesNotContain("\n");
        assertThatThrownBy(() -> load("wal:\n  spool-dir: [a, b]\n", Map.of()))
                .hasMessageStartingWith("wal.spool-dir in ")
                .hasMessageEndingWith(" must be a single value, not a list: expected path");
    }

    @Test
    void commandFlagsStayTheCommandsOwnSoTheirNamesCannotClash() {
        // --parallel, --data-dir, --port mean different settings in wal serve, backup physical and
        // restore pitr: these settings get no root flag, the commands' flags override them
        for (Setting<?> s : List.of(Settings.WAL_SPOOL_DIR, Settings.WAL_PUSH_PORT, Settings.WAL_PUSH_PARALLELISM,
                Settings.WAL_PREFETCH, Settings.WAL_STREAM_SLOT, Settings.BACKUP_METHOD, Settings.BACKUP_DATA_DIR,
                Settings.BACKUP_PARALLELISM, Settings.BACKUP_WAL_TIMEOUT)) {
            assertThat(s.flag()).as(s.key()).isNull();
            assertThat(Settings.ALL).as(s.key()).contains(s);
        }
    }
}
