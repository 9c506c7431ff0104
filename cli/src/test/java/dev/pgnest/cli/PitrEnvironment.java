package dev.pgnest.cli;

import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.testing.PostgresCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of CLI runs that back up a test cluster into a filesystem repository under
 * {@code dir} and restore it by PITR with the real {@code wal fetch} in restore_command.
 */
public final class PitrEnvironment {
    private PitrEnvironment() {
    }

    public static Map<String, String> of(PostgresCluster pg, Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("PGNEST_DATABASE_URL", "postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/postgres");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_REPO_TYPE", "fs");
        env.put("PGNEST_REPO_PATH", dir.resolve("repo").toString());
        env.put("PGNEST_WAL_SPOOL_DIR", dir.resolve("spool").toString());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_SCRATCH_DIR", dir.resolve("scratch").toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString());
        env.put("PGNEST_RESTORE_OS_USER", restoreOsUser(pg));
        env.put("TMPDIR", dir.toString());
        env.put("PGNEST_RESTORE_LAUNCHER", CliProcess.script(dir.resolve("pgnest"), Map.of("PGNEST_REPO_TYPE", "fs",
                "PGNEST_REPO_PATH", dir.resolve("repo").toString(), "PGNEST_LOG_LEVEL", "warn")).toString());
        return env;
    }

    /** The restore.os-user that can run a restored copy of {@code pg} here. */
    public static String restoreOsUser(PostgresCluster pg) {
        return pg.runAs() == PostgresCluster.RunAs.USER_NAMESPACE ? "user-namespace"
                : ServerAccount.isRoot() ? "postgres" : System.getProperty("user.name");
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
