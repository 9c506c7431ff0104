package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.TimeConverter;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.postgres.server.LocalServer;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.pitr.PitrRestore;
import dev.pgnest.restore.pitr.PointInTimeRecovery.AfterRecovery;
import dev.pgnest.restore.pitr.PointInTimeRecovery.Archiving;
import dev.pgnest.restore.pitr.RecoveryAction;
import dev.pgnest.restore.pitr.RecoveryTarget;
import dev.pgnest.restore.plan.BackupSelector;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options of {@code restore pitr} and {@code restore plan pitr}. */
final class PitrArguments {

    /** Exactly one target. */
    static final class Target {
        @Option(names = "--to-time", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Stop at this time, written with its zone as PostgreSQL's log ('2025-03-14 02:15:00.884 UTC'), "
                        + "psql ('2025-03-14 02:15:00.884792+00') or ISO-8601 (2025-03-14T02:15:00Z) print it; "
                        + "an offset or a zone name also work.")
        OffsetDateTime time;

        @Option(names = "--to-lsn", paramLabel = "LSN", description = "Stop at this WAL location, e.g. 0/3000148.")
        String lsn;

        @Option(names = "--to-xid", paramLabel = "XID", description = "Stop at the commit of this transaction id.")
        String xid;

        @Option(names = "--to-restore-point", paramLabel = "NAME", description = "Stop at this named restore point.")
        String restorePoint;

        @Option(names = "--before-migration", paramLabel = "VERSION",
                description = "Stop at the restore point migrate deploy made before this migration.")
        String beforeMigration;

        @Option(names = "--immediate", description = "Stop as soon as the base backup is consistent.")
        boolean immediate;

        @Option(names = "--latest", description = "Replay all archived WAL (the most recent state).")
        boolean latest;

        RecoveryTarget recoveryTarget() {
            if (time != null) {
                return new RecoveryTarget.Time(time);
            }
            if (lsn != null) {
                return new RecoveryTarget.Lsn(lsn);
            }
            if (xid != null) {
                return RecoveryTarget.Xid.parse(xid);
            }
            if (restorePoint != null) {
                return new RecoveryTarget.RestorePoint(restorePoint);
            }
            if (immediate) {
                return new RecoveryTarget.Immediate();
            }
            return new RecoveryTarget.Latest();
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Target (one of):%n")
    Target target;

    @Option(names = "--backup", paramLabel = "ID", description = "Base backup to start from (default: the newest before the target).")
    String backup;

    // --data-dir, --port and -j/--jobs: declared with restore.data-dir, restore.port and restore.parallelism in Settings

    @Option(names = "--delta", description = "Restore over an existing data directory, rewriting only files that differ.")
    boolean delta;

    @Option(names = "--exclusive", description = "Stop just before the target instead of just after it (time, lsn, xid).")
    boolean exclusive;

    @Option(names = "--pause", description = "Pause at the target (read-only) instead of promoting; pg_wal_replay_resume() promotes.")
    boolean pause;

    @Option(names = "--keep-running", description = "Leave the server running on --port after recovery (default: stop it cleanly).")
    boolean keepRunning;

    @Option(names = "--no-archive", description = "archive_mode=off for this run: a scratch restore that must not write to the archive.")
    boolean noArchive;

    @Option(names = "--tablespace", paramLabel = "OID=DIR", description = "Restore a tablespace elsewhere (repeatable).")
    List<String> tablespaces = new ArrayList<>();

    PitrRestore.Request request(RestoreContext context) {
        Path dir = context.config().target().get(Settings.RESTORE_DATA_DIR).orElseThrow(() ->
                new PgnestException(ErrorKind.USAGE, "no data directory to restore into",
                        "pass " + Settings.RESTORE_DATA_DIR.optionsOf("restore pitr").get(0).name() + " DIR or set "
                                + Settings.RESTORE_DATA_DIR.key() + " (" + Settings.RESTORE_DATA_DIR.env() + ")"));
        int p = context.config().target().require(Settings.RESTORE_PORT);
        Map<String, Path> spaces = new LinkedHashMap<>();
        for (String t : tablespaces) {
            String[] kv = t.split("=", 2);
            if (kv.length != 2 || !kv[0].matches("\\d+")) {
                throw new PgnestException(ErrorKind.USAGE, "--tablespace " + t + " is not OID=DIR", "e.g. --tablespace 16390=/srv/ts1");
            }
            spaces.put(kv[0], Path.of(kv[1]));
        }
        LocalServer.Options server = new LocalServer.Options(context.binaries(), context.account(), p, runDir(context.tempDir()),
                "postgres", null, null);
        BackupSelector selector = backup == null ? new BackupSelector.Latest() : new BackupSelector.ById(backup);
        PitrRestore.Request request = new PitrRestore.Request(context.target(), target.recoveryTarget(), !exclusive,
                pause ? RecoveryAction.PAUSE : RecoveryAction.PROMOTE, selector, null, null, null,
                dir.toAbsolutePath().normalize(), delta, spaces, context.parallelism(),
                context.restoreCommand(), server, noArchive ? Archiving.OFF : Archiving.KEEP,
                keepRunning ? AfterRecovery.KEEP_RUNNING : AfterRecovery.STOP,
                context.config().global().require(Settings.RESTORE_TIMEOUT));
        if (target.beforeMigration != null) {
            request = request.withBeforeMigration(target.beforeMigration, liveDatabase(context));
        }
        return request;
    }

    /** The live database, when it is configured (before-migration narrows the WAL search with it). */
    private static dev.pgnest.config.DatabaseConnection liveDatabase(RestoreContext context) {
        try {
            return context.connection();
        } catch (PgnestException e) {
            return null;
        }
    }

    static final String RUN_DIR_PREFIX = "pgnest-restore-";

    /**
     * Socket and server log of the recovery: a private {@code pgnest-restore-*} directory under
     * $TMPDIR (java.io.tmpdir when unset), or /tmp when that is too long for a socket path. It
     * stays after the restore while the server log the output and the report point to is in it.
     */
    static Path runDir(Path tempDir) {
        return LocalServer.createRunDirectory(tempDir, RUN_DIR_PREFIX);
    }

    /** The run directory goes when nothing in it is left to read (a kept server's socket or log stays). */
    static void removeRunDirIfEmpty(PitrRestore.Request request) {
        try {
            Files.deleteIfExists(request.server().runDir());
        } catch (IOException e) {
            // not empty, or already gone: either way nothing to do
        }
    }

    /** Refuses a port that something already listens on, before anything is downloaded. */
    static void requireFreePort(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.USAGE, "port " + port + " is in use on this host",
                    "stop what listens there, or restore on another port with --port (restore.port)");
        }
    }
}
