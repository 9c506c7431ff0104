package dev.pgnest.serve.metrics;

import dev.pgnest.wal.WalBacklog;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A target's WAL lag including its repositories that are behind: with several repositories and
 * {@code wal.push-acknowledge} below their number, the server's archiver sees every segment
 * archived while one repository still misses some (queued in the spool). The lag reported is the
 * larger of the two, so that {@code alert.wal-lag} and {@code pgnest_wal_archive_lag_*} cover a
 * repository that stays unreachable.
 */
public final class RepositoryBacklogProbe implements WalLagProbe {
    private final WalLagProbe server;
    private final Supplier<Map<String, WalBacklog.State>> backlogs;

    public RepositoryBacklogProbe(WalLagProbe server, Supplier<Map<String, WalBacklog.State>> backlogs) {
        this.server = server;
        this.backlogs = backlogs;
    }

    @Override
    public Optional<WalLag> measure() throws Exception {
        Optional<WalLag> measured = server.measure();
        if (measured.isEmpty()) {
            return measured;
        }
        WalLag lag = measured.get();
        long segments = lag.segments();
        Duration age = lag.age();
        for (WalBacklog.State behind : backlogs.get().values()) {
            segments = Math.max(segments, behind.files());
            if (behind.oldest().isPresent()) {
                Duration waited = Duration.between(behind.oldest().get(), lag.measuredAt() != null ? lag.measuredAt() : Instant.now());
                age = waited.compareTo(age) > 0 ? waited : age;
            }
        }
        return Optional.of(new WalLag(segments, age, lag.lastArchived(), lag.lastArchivedTime(), lag.failing(), lag.measuredAt()));
    }
}
