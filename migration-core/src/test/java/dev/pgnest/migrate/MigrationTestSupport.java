package dev.pgnest.migrate;

import dev.pgnest.testing.PostgresCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** A fresh database and a migrations directory per test, on a cluster shared by the class. */
final class MigrationTestSupport {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final PostgresCluster pg;
    final String database;
    final Path dir;

    MigrationTestSupport(PostgresCluster pg, Path dir) {
        this.pg = pg;
        this.dir = dir;
        this.database = "m" + COUNTER.incrementAndGet();
        pg.createDatabase(database);
    }

    DatabaseTarget target(Environment environment) {
        return new DatabaseTarget("app", pg.jdbcUrl(database), pg.user(), pg.password(), environment);
    }

    Migrations migrations() {
        return migrations(Environment.STANDARD);
    }

    Migrations migrations(Environment environment) {
        return new Migrations(new MigrationSettings(target(environment), List.of("filesystem:" + dir)));
    }

    /** Deploy timeouts short enough for a test: 200 ms lock timeouts, retries 300, 600, 1200 ms... apart. */
    Migrations migrations(int lockRetries) {
        return new Migrations(new MigrationSettings(target(Environment.STANDARD), List.of("filesystem:" + dir))
                .withSafety(new DeploySafety(Duration.ofMillis(200), Duration.ofMillis(200), null, lockRetries,
                        Duration.ofMillis(300))));
    }

    /**
     * Another session's open transaction that ran {@code sql} and keeps its locks until closed,
     * or until {@code releaseAfter} has passed (null: only when closed).
     */
    AutoCloseable blocker(String sql, Duration releaseAfter) throws SQLException {
        Connection c = pg.connect(database);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
        AutoCloseable release = () -> {
            synchronized (c) {
                if (!c.isClosed()) {
                    c.rollback();
                    c.close();
                }
            }
        };
        if (releaseAfter != null) {
            CompletableFuture.runAsync(() -> {
                try {
                    release.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, CompletableFuture.delayedExecutor(releaseAfter.toMillis(), TimeUnit.MILLISECONDS));
        }
        return release;
    }

    MigrationTestSupport file(String name, String sql) {
        try {
            Files.writeString(dir.resolve(name), sql);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    void delete(String name) throws IOException {
        Files.delete(dir.resolve(name));
    }

    String query(String sql) throws SQLException {
        try (Connection c = pg.connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection c = pg.connect(database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    boolean columnExists(String table, String column) throws SQLException {
        return "t".equals(query("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = '"
                + table + "' AND column_name = '" + column + "')"));
    }

    boolean tableExists(String table) throws SQLException {
        return query("SELECT to_regclass('public." + table + "')") != null;
    }

    /** Collects what deploy logs about its retries. */
    static ListAppender<ILoggingEvent> captureDeployLog() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(DeploySafety.class)).addAppender(log);
        return log;
    }

    /** Stops collecting and returns the messages. */
    static List<String> messages(ListAppender<ILoggingEvent> log) {
        ((Logger) LoggerFactory.getLogger(DeploySafety.class)).detachAppender(log);
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Ends the blocking transaction while deploy waits to retry (deterministic, unlike a timer). */
    static void releaseAfterFirstRetryIsLogged(ListAppender<ILoggingEvent> log, AutoCloseable blocker) {
        CompletableFuture.runAsync(() -> {
            try {
                while (log.list.isEmpty()) {
                    Thread.sleep(20);
                }
                blocker.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
