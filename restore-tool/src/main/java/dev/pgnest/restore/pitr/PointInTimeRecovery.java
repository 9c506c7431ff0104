package dev.pgnest.restore.pitr;

import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.wal.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time recovery of a data directory that already holds restored files (a base
 * backup): writes the recovery configuration, starts PostgreSQL, waits until it reached the
 * target, and reports what it reached. Where the files came from is not its business; that
 * keeps it testable with any base backup and any WAL archive.
 *
 * <pre>{@code
 * RecoveryOutcome outcome = PointInTimeRecovery.run(new PointInTimeRecovery.Request(
 *         dataDir, RecoverySettings.of("/usr/bin/pgnest wal fetch %f %p", RecoveryTarget.Time.parse(t)),
 *         serverOptions, Archiving.OFF, AfterRecovery.STOP, Duration.ofHours(12)), null);
 * }</pre>
 */
public final class PointInTimeRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(PointInTimeRecovery.class);
    /** Reading the log and the pid file is cheap; a query is not (see {@link #QUERY_EVERY}). */
    private static final Duration POLL = Duration.ofMillis(50);
    /** Without a sign of the end in the log, the server is asked this often whether recovery is done. */
    private static final Duration QUERY_EVERY = Duration.ofSeconds(1);
    /** What PostgreSQL logs as recovery ends (at a target, at the end of the WAL, or pausing). */
    private static final List<String> END_HINTS = List.of("redo done at", "recovery stopping", "pausing at the end of recovery",
            "recovery has paused", "selected new timeline", "archive recovery complete", "ready to accept connections");
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(15);
    /** How long a started postmaster may take to write its pid file before we call it dead. */
    private static final Duration PID_FILE_GRACE = Duration.ofSeconds(20);

    /** Whether the recovered server archives its WAL. */
    public enum Archiving {
        /**
         * Keep the restored configuration: the recovered server, the new primary, archives its
         * new timeline (what an incident restore wants).
         */
        KEEP,
        /** {@code archive_mode=off} for this run: scratch restores and drills must not write to the archive. */
        OFF
    }

    /** What happens to the server once recovery is done. */
    public enum AfterRecovery {
        /** Stop it cleanly; the operator starts it the usual way (systemd, pg_ctlcluster). */
        STOP,
        /** Leave it running on the restore port; the caller closes the {@link LocalServer}. */
        KEEP_RUNNING
    }

    /**
     * @param dataDir   the restored data directory (a base backup with its backup_label)
     * @param settings  restore_command, target, inclusive, action
     * @param server    how to run the server
     * @param archiving whether the recovered server archives WAL
     * @param after     stop the server or keep it running
     * @param timeout   the longest recovery may take
     * @param archivedThrough with {@link RecoveryTarget.Latest}: where the archive's last WAL
     *                  segment starts (null: not known). A recovery that replays none of it skipped
     *                  archived WAL (a restore_command answered "not archived" for a segment the
     *                  archive has) and fails instead of counting as done.
     */
    public record Request(Path dataDir, RecoverySettings settings, LocalServer.Options server, Archiving archiving,
                          AfterRecovery after, Duration timeout, Lsn archivedThrough) {
        public Request {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(server, "server");
            archiving = archiving == null ? Archiving.KEEP : archiving;
            after = after == null ? AfterRecovery.STOP : after;
            timeout = timeout == null ? Settings.RESTORE_TIMEOUT.defaultValue() : timeout;
        }

        public Request(Path dataDir, RecoverySettings settings, LocalServer.Options server, Archiving archiving,
                       AfterRecovery after, Duration timeout) {
            this(dataDir, settings, server, archiving, after, timeout, null);
        }
    }

    /** The outcome and, with {@link AfterRecovery#KEEP_RUNNING}, the running server (close it). */
    public record Result(RecoveryOutcome outcome, Optional<LocalServer> server) {
    }

    private PointInTimeRecovery() {
    }

    /**
     * Runs the recovery.
     *
     * @throws PgnestException when recovery ends before the target (naming where the WAL
     *                         ended), when the server fails, or on timeout; the server is stopped then
     */
    public static Result run(Request request) {
        RecoverySettings settings = request.settings();
        LocalServer.requireNotRunning(request.dataDir());
        settings.writeTo(request.dataDir());
        for (String file : RecoveryFiles.ensureConfigFiles(request.dataDir())) {
            LOG.warn("{} has no {}: wrote a minimal one (the backed-up cluster keeps its configuration elsewhere)",
                    request.dataDir(), file);
        }
        Map<String, String> runSettings = new LinkedHashMap<>();
        // pgnest watches recovery through read-only queries: they need hot standby
        runSettings.put("hot_standby", "on");
        if (request.archiving() == Archiving.OFF) {
            runSettings.put("archive_mode", "off");
        }
        LocalServer.Options options = request.server().withSettings(runSettings);
        Instant started = Instant.now();
        LOG.info("recovering {} to {} (action {})", request.dataDir(), settings.target().describe(), settings.action().setting());
        LocalServer server = LocalServer.start(request.dataDir(), options);
        boolean keep = false;
        try {
            RecoveryOutcome outcome = await(server, request, started);
            keep = request.after() == AfterRecovery.KEEP_RUNNING;
            return new Result(outcome, keep ? Optional.of(server) : Optional.empty());
        } finally {
            if (!keep) {
                server.stop();
            }
        }
    }

    private static RecoveryOutcome await(LocalServer server, Request request, Instant started) {
        RecoverySettings settings = request.settings();
        Duration timeout = request.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant consistent = null;
        Instant lastProgress = Instant.now();
        boolean sawPid = false;
        boolean accepting = false;
        boolean endNear = false;
        long lastQuery = 0;
        while (true) {
            boolean running = server.isRunning();
            sawPid |= running;
            if (!running && (sawPid || exitedBeforePidFile(server)
                    || Duration.between(started, Instant.now()).compareTo(PID_FILE_GRACE) > 0)) {
                throw serverStopped(server, settings);
            }
            // once it says both, the log has nothing more to tell
            String log = running && !(accepting && endNear) ? server.log() : "";
            // connecting before the server says it accepts connections only fills its log with FATALs
            accepting = accepting || log.contains("ready to accept");
            // a query is a psql and a backend competing with replay for the CPU: ask when the log
            // says recovery is ending, once a second otherwise (the query, not the log, decides)
            endNear = endNear || END_HINTS.stream().anyMatch(log::contains);
            boolean ask = accepting && (consistent == null || endNear
                    || System.nanoTime() - lastQuery >= QUERY_EVERY.toNanos());
            if (ask) {
                lastQuery = System.nanoTime();
            }
            Optional<String> row;
            try {
                row = running && ask ? server.tryQuery(
                        "select pg_is_in_recovery(), case when pg_is_in_recovery() then pg_is_wal_replay_paused() else false end")
                        : Optional.empty();
            } catch (PgnestException e) {
                // a server going down answers oddly on its way: its log says why, on the next round
                if (server.isRunning() && !exitedBeforePidFile(server)) {
                    throw e;
                }
                row = Optional.empty();
            }
            if (row.isPresent()) {
                if (consistent == null) {
                    consistent = Instant.now();
                }
                String[] cols = row.get().split("\\|");
                boolean inRecovery = cols[0].equals("t");
                boolean paused = cols.length > 1 && cols[1].equals("t");
                if (!inRecovery) {
                    return reached(server, request, RecoveryOutcome.State.PROMOTED, started, consistent);
                }
                if (paused && settings.action() == RecoveryAction.PAUSE && RecoveryLog.parse(server.log()).pausedAtTarget()) {
                    return reached(server, request, RecoveryOutcome.State.PAUSED, started, consistent);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new PgnestException(ErrorKind.DATABASE, "recovery to " + settings.target().describe()
                        + " did not finish within " + timeout + lastRestoredNote(server) + server.logTailMessage(),
                        "allow more time (restore.timeout), or check that restore_command can fetch the WAL");
            }
            if (Duration.between(lastProgress, Instant.now()).compareTo(PROGRESS_EVERY) > 0) {
                lastProgress = Instant.now();
                RecoveryLog.parse(server.log()).lastRestored()
                        .ifPresent(seg -> LOG.info("recovery in progress: replaying WAL segment {}", seg));
            }
            LocalServer.sleep(POLL.toMillis());
        }
    }

    private static RecoveryOutcome reached(LocalServer server, Request request, RecoveryOutcome.State state,
                                           Instant started, Instant consistent) {
        RecoverySettings settings = request.settings();
        Lsn archivedThrough = request.archivedThrough();
        Instant done = Instant.now();
        String[] cols = server.query("select pg_last_wal_replay_lsn(), "
                + "coalesce(to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), "
                + "(select min_recovery_end_timeline from pg_control_recovery())").split("\\|", -1);
        RecoveryLog log = RecoveryLog.parse(server.log());
        String lsn = cols[0];
        Instant time = cols[1].isEmpty() ? null : Instant.parse(cols[1]);
        int timeline = log.newTimeline().orElseGet(() -> parseIntOr(cols.length > 2 ? cols[2] : "", 0));
        boolean wantsTarget = !(settings.target() instanceof RecoveryTarget.Latest);
        if (wantsTarget && log.stopLine().isEmpty()) {
            // PostgreSQL 12 promotes at the end of WAL instead of failing: same verdict, later
            throw new PgnestException(ErrorKind.DATABASE, "recovery ended before the target " + settings.target().describe()
                    + " was reached: the archived WAL ends at " + lsn + lastRestoredNote(server),
                    "choose a target inside the restorable window (pgnest restore plan shows it), or --latest");
        }
        // a segment ending in a WAL switch ends its last record at the next one's start: no
        // record of the last segment was replayed when the replay ends at its very start
        if (!wantsTarget && archivedThrough != null && !lsn.isEmpty() && Lsn.parse(lsn).compareTo(archivedThrough) <= 0) {
            throw new PgnestException(ErrorKind.DATABASE, "recovery ended at " + lsn + " without replaying the archive's last"
                    + " WAL segment (which starts at " + archivedThrough + ")" + lastRestoredNote(server)
                    + ": archived WAL was skipped",
                    "do not use " + server.dataDir() + "; see its server log " + server.logFile() + ", then restore again");
        }
        if (timeline == 0) {
            timeline = parseIntOr(server.query("select timeline_id from pg_control_checkpoint()"), 0);
        }
        RecoveryOutcome outcome = new RecoveryOutcome(settings.target(), settings.inclusive(), state, lsn, time, timeline,
                log.stopLine().orElse("end of the archived WAL"), RecoveryOutcome.WalReplayed.of(log.restoredWal()),
                Duration.between(started, consistent), Duration.between(consistent, done), server.logFile());
        LOG.info("recovery {}: reached LSN {}, {}, timeline {} ({})",
                state.name().toLowerCase(java.util.Locale.ROOT), lsn,
                time == null ? "no transaction replayed" : "last transaction at " + time, timeline, outcome.stopReason());
        return outcome;
    }

    /** A server that fails early may exit before we ever see its pid file; its log tells. */
    private static boolean exitedBeforePidFile(LocalServer server) {
        String log = server.log();
        return log.contains("database system is shut down") || log.contains("FATAL:") || log.contains("PANIC:");
    }

    private static PgnestException serverStopped(LocalServer server, RecoverySettings settings) {
        RecoveryLog log = RecoveryLog.parse(server.log());
        if (log.endedBeforeTarget()) {
            return new PgnestException(ErrorKind.DATABASE, "recovery ended before the target " + settings.target().describe()
                    + " was reached: the archived WAL ends at " + log.redoDoneAt().orElse("?")
                    + lastRestoredNote(server),
                    "choose a target inside the restorable window (pgnest restore plan shows it), or --latest to replay all archived WAL");
        }
        String why = log.problems().isEmpty() ? "" : ": " + log.problems().get(log.problems().size() - 1);
        if (why.contains("command not executable")) {
            // PostgreSQL's words for restore_command's exit 126: wal fetch could not read the archive
            why += " (pgnest wal fetch could not read the archive and stopped recovery rather than end it early)";
        }
        return new PgnestException(ErrorKind.DATABASE, "PostgreSQL stopped during recovery to " + settings.target().describe()
                + why + server.logTailMessage(),
                "fix what the server log says (" + server.logFile() + ") and restore again from the backup");
    }

    private static String lastRestoredNote(LocalServer server) {
        return RecoveryLog.parse(server.log()).lastRestored().map(s -> " (last WAL segment restored: " + s + ")").orElse("");
    }

    private static int parseIntOr(String s, int fallback) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
