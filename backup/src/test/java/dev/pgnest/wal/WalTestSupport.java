package dev.pgnest.wal;

import dev.pgnest.testing.PostgresCluster;
import java.time.Duration;

/** What the WAL integration tests do to their clusters: write and switch, wait for the archive, wait for promotion. */
public final class WalTestSupport {
    private WalTestSupport() {
    }

    /** Table {@code t} that {@link #writeAndSwitch} fills. */
    public static void createTable(PostgresCluster pg) {
        pg.execute("CREATE TABLE t (id serial PRIMARY KEY, payload text NOT NULL)");
    }

    /** Inserts into {@code t} and switches WAL {@code segments} times; returns the last segment switched away from. */
    public static String writeAndSwitch(PostgresCluster pg, int segments) {
        String last = null;
        for (int i = 0; i < segments; i++) {
            pg.execute("INSERT INTO t (payload) SELECT md5(g::text) || repeat('x', 100) FROM generate_series(1, 1000) g");
            last = pg.queryForString("SELECT pg_walfile_name(pg_switch_wal())");
        }
        return last;
    }

    /** The content of {@code t}: row count and a hash of every row. */
    public static String checksum(PostgresCluster pg) {
        return pg.queryForString("SELECT count(*) || ':' || md5(string_agg(id || payload, ',' ORDER BY id)) FROM t");
    }

    public static void awaitArchived(WalArchive archive, PostgresCluster pg, String walFileName, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!archive.contains(walFileName)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(walFileName + " did not reach the archive of target " + archive.target() + " in "
                        + timeout.toSeconds() + " s; archiver: "
                        + pg.queryForRows("postgres", "SELECT * FROM pg_stat_archiver") + "\n" + pg.logTail());
            }
            sleep(100);
        }
    }

    /** Waits until recovery ended and the server accepts writes. */
    public static void awaitPromoted(PostgresCluster c, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if ("f".equals(c.queryForString("SELECT pg_is_in_recovery()"))) {
                    return;
                }
            } catch (IllegalStateException e) {
                // still starting up
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("recovery did not end in " + timeout.toSeconds() + " s:\n" + c.logTail());
            }
            sleep(200);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
