package dev.pgnest.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.serve.BackupService;
import dev.pgnest.serve.ConfiguredService;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled backups go to the repository their schedule names (schedule.logical-repository),
 * one of the target's repositories; a name that is not one of them is refused when the
 * service is built, before anything runs.
 */
@IntegrationTest
class ScheduledRepositoryTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();
    static PostgresCluster pg; // started by servers

    @TempDir
    Path tmp;

    @Test
    void aScheduledLogicalBackupGoesToTheRepositoryItsScheduleNames() throws Exception {
        PgnestConfig config = load("offsite");
        for (String repo : List.of("local", "offsite")) {
            try (Storage s = new FsStorageConfig(tmp.resolve(repo)).open()) {
                Repository.init(s);
            }
        }
        try (BackupService service = ConfiguredService.build(config, tmp)) {
            service.start();
            for (int i = 0; i < 300 && logicalBackups("offsite").isEmpty(); i++) {
                Thread.sleep(100);
            }
        }
        List<Catalog.Entry> offsite = logicalBackups("offsite");
        assertThat(offsite).isNotEmpty();
        assertThat(offsite.get(0).manifest().logical().database()).isEqualTo("postgres");
        assertThat(logicalBackups("local")).isEmpty();
    }

    @Test
    void aScheduleNamingARepositoryTheTargetDoesNotArchiveToIsRefused() throws Exception {
        PgnestConfig config = load("elsewhere");
        assertThatThrownBy(() -> ConfiguredService.build(config, tmp).close())
                .hasMessage("schedule.logical-repository of target main names repository 'elsewhere', which is not one "
                        + "of the target's repositories [local, offsite]: name one of targets.main.repositories (add it there "
                        + "first, so that its WAL is archived to it)");
    }

    private PgnestConfig load(String scheduledTo) throws Exception {
        Files.writeString(tmp.resolve("pgnest.yml"), """
                serve:
                  listen: 127.0.0.1:0
                repositories:
                  local:
                    type: fs
                    path: %s
                  offsite:
                    type: fs
                    path: %s
                  elsewhere:
                    type: fs
                    path: %s
                targets:
                  main:
                    url: postgresql://%s@127.0.0.1:%d/postgres
                    repositories: [local, offsite]
                    schedule:
                      logical: "* * * * * ?"
                      logical-repository: %s
                """.formatted(tmp.resolve("local"), tmp.resolve("offsite"), tmp.resolve("elsewhere"), pg.user(), pg.port(),
                scheduledTo));
        return new ConfigLoader(tmp.resolve("pgnest.yml"), Map.of("PGNEST_DB_PASSWORD", pg.password(),
                "PGNEST_PG_BIN_DIR", pg.binDir().toString()), Map.of(), tmp).load();
    }

    private List<Catalog.Entry> logicalBackups(String repo) {
        try (Storage s = new FsStorageConfig(tmp.resolve(repo)).open()) {
            return Repository.open(s).catalog().backups("main").stream()
                    .filter(e -> e.manifest().kind() == BackupKind.LOGICAL).toList();
        }
    }
}
