package dev.pgnest.serve.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL lag of a target whose offsite repository missed segments the server saw archived. */
class RepositoryBacklogProbeTest {
    @TempDir
    Path spool;

    @Test
    void aRepositoryBehindRaisesTheLagTheServerReportsAsArchived() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        WalLag server = new WalLag(0, Duration.ZERO, "00000001000000000000000A", now.minusSeconds(5), false, now);
        // what wal push queued for offsite while it was unreachable (the spool layout of WalBacklog)
        Path queued = Files.createDirectories(spool.resolve("backlog/main/offsite"));
        for (int n = 7; n <= 9; n++) {
            Path f = Files.write(queued.resolve("00000001000000000000000" + n), new byte[] {1});
            Files.setLastModifiedTime(f, FileTime.from(now.minus(Duration.ofMinutes(30 - n))));
        }
        RepositoryBacklogProbe probe = new RepositoryBacklogProbe(() -> Optional.of(server),
                () -> WalArchives.backlogs(WalSpool.at(spool), "main", List.of("local", "offsite")));

        WalLag lag = probe.measure().orElseThrow();
        assertThat(lag.segments()).isEqualTo(3);
        assertThat(lag.age()).isEqualTo(Duration.ofMinutes(23));
        assertThat(lag.lastArchived()).isEqualTo("00000001000000000000000A");

        // filled in: the server's own figure again
        try (var files = Files.list(queued)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        assertThat(probe.measure()).contains(server);
    }

    @Test
    void withOneRepositoryTheServersFigureIsKept() throws Exception {
        Instant now = Instant.now();
        WalLag server = new WalLag(2, Duration.ofMinutes(3), "000000010000000000000001", now, true, now);
        RepositoryBacklogProbe probe = new RepositoryBacklogProbe(() -> Optional.of(server),
                () -> WalArchives.backlogs(WalSpool.at(spool), "main", List.of("main")));
        assertThat(probe.measure()).contains(server);
    }
}
