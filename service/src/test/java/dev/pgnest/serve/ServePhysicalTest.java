package dev.pgnest.serve;

import static dev.pgnest.serve.ServeFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.schedule.JobHistory.Outcome;
import dev.pgnest.serve.schedule.Schedule;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.FastPathLauncher;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import dev.pgnest.wal.WalArchive;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.push.WalPushService;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduled physical base backup with WAL archived through the push fast path running next
 * to the service, as `pgnest serve` runs it: the backup commits, the status page shows a window
 * on timeline 1, and the WAL lag is zero.
 */
@IntegrationTest
class ServePhysicalTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3(ServeFixture.BUCKET);

    @Test
    void aScheduledPhysicalBackupCommitsWithItsWalArchivedThroughThePushService(@TempDir Path tmp) throws Exception {
        Path spool = tmp.resolve("spool");
        Path launcher = FastPathLauncher.write(tmp, "false", spool, tmp.resolve("fallbacks.log"));
        // archive_command runs the launcher written above, so the cluster starts here
        PostgresCluster pg = servers.closeAfterEach(PostgresCluster.builder().setting("wal_level", "replica")
                .setting("archive_mode", "on").setting("archive_command", launcher + " wal push %p").start());
        try (ServeFixture fx = new ServeFixture(pg, servers.s3())) {
            Storage walStorage = fx.storageConfig().open();
            Repository.init(walStorage);
            WalArchive archive = new WalArchive(walStorage, "phys", Compression.ZSTD, 3);
            RepositoryJobs jobs = new RepositoryJobs(fx.storageConfig());
            Instant fire = ServeFixture.nextSecondAfter(Duration.ofSeconds(4));
            try (WalPushService push = WalPushService.start(archive, WalSpool.at(spool), 0, 2);
                 BackupService service = BackupService.builder(fx.newJobStore()).instanceId("phys-1")
                         .schedulerOptions(ServeFixture.fastOptions())
                         .listen(new InetSocketAddress("127.0.0.1", 0))
                         .schedule(Schedule.of("phys", JobKind.PHYSICAL, "* * * * * ?").between(fire, fire.plusMillis(500)))
                         .job(JobKind.PHYSICAL, jobs.physicalBackup(t -> fx.target(), t -> PhysicalBackup.Options.defaults()
                                 .withDataDirectory(fx.pg.dataDir()).withParallelism(2).withWalTimeout(Duration.ofSeconds(60)),
                                 (storage, target) -> new WalArchive(storage, target, Compression.ZSTD, 3)))
                         .status(jobs.status())
                         .walLag("phys", new dev.pgnest.serve.metrics.ArchiverWalLagProbe(fx.target()))
                         .monitorInterval(Duration.ofMillis(500))
                         .build()) {
                service.start();
                await("the physical backup", Duration.ofSeconds(90), () -> {
                    try {
                        return service.history().runs("phys", JobKind.PHYSICAL).stream().anyMatch(r -> r.outcome() != Outcome.running);
                    } catch (java.sql.SQLException e) {
                        throw new AssertionError(e);
                    }
                });
                var run = service.history().runs("phys", JobKind.PHYSICAL).get(0);
                assertThat(run.outcome()).as(run.error()).isEqualTo(Outcome.succeeded);
                Catalog.Entry backup;
                try (Storage s = fx.storageConfig().open()) {
                    backup = Repository.open(s).catalog().latest("phys", BackupKind.PHYSICAL).orElseThrow();
                }
                assertThat(run.backupId()).isEqualTo(backup.id());
                assertThat(backup.manifest().physical().timeline()).isEqualTo(1);
                assertThat(push.acknowledged()).as("WAL went through the fast path").isPositive();

                await("no WAL waiting", Duration.ofSeconds(20), () -> ServeHttpTest.metric(scrape(service),
                        "pgnest_wal_archive_lag_segments", "target=\"phys\"") == 0);
                String text = scrape(service);
                assertThat(ServeHttpTest.metric(text, "pgnest_job_last_size_bytes", "kind=\"physical\",target=\"phys\""))
                        .isEqualTo(backup.manifest().storedSize());
                assertThat(ServeHttpTest.metric(text, "pgnest_wal_archive_failing", "target=\"phys\"")).isZero();
                String page = ServeFixture.get(service.port(), "/").body();
                assertThat(page).contains(backup.id()).contains("1 base backup(s)");
            } finally {
                walStorage.close();
            }
        }
    }

    private static String scrape(BackupService service) {
        try {
            return ServeFixture.get(service.port(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
