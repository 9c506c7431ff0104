package dev.pgnest.migrate;

import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.migrate.lint.SqlScript;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What deploy does so that a migration waiting for a lock never queues the application's
 * traffic behind it: a lock_timeout (longer for concurrent index builds) and optionally a
 * statement_timeout per migration, and retries with backoff when the lock timeout fires.
 *
 * @param lockTimeout                lock_timeout for each migration
 * @param concurrentIndexLockTimeout lock_timeout for one that builds an index CONCURRENTLY
 * @param statementTimeout           statement_timeout for each migration; null leaves the server's
 * @param lockRetries                retries of a migration that failed on its lock timeout
 * @param retryDelay                 wait before the first retry, doubled for each further one
 */
public record DeploySafety(Duration lockTimeout, Duration concurrentIndexLockTimeout, Duration statementTimeout,
                           int lockRetries, Duration retryDelay) {
    /** The deploy.* settings' defaults. */
    public static final DeploySafety DEFAULTS = new DeploySafety(Settings.DEPLOY_LOCK_TIMEOUT.defaultValue(),
            Settings.DEPLOY_CONCURRENT_INDEX_LOCK_TIMEOUT.defaultValue(), null, Settings.DEPLOY_LOCK_RETRIES.defaultValue(),
            Settings.DEPLOY_LOCK_RETRY_DELAY.defaultValue());
    static final String LOCK_NOT_AVAILABLE = "55P03";
    private static final Logger LOG = LoggerFactory.getLogger(DeploySafety.class);
    private static final Pattern CONCURRENT_BUILD = Pattern.compile("^(CREATE (UNIQUE )?INDEX CONCURRENTLY|REINDEX .*CONCURRENTLY)\\b");

    /** A target's deploy.* settings. */
    public static DeploySafety of(SettingValues target) {
        return new DeploySafety(target.require(Settings.DEPLOY_LOCK_TIMEOUT), target.require(Settings.DEPLOY_CONCURRENT_INDEX_LOCK_TIMEOUT),
                target.get(Settings.DEPLOY_STATEMENT_TIMEOUT).orElse(null), target.require(Settings.DEPLOY_LOCK_RETRIES),
                target.require(Settings.DEPLOY_LOCK_RETRY_DELAY));
    }

    public DeploySafety {
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(concurrentIndexLockTimeout, "concurrentIndexLockTimeout");
        Objects.requireNonNull(retryDelay, "retryDelay");
    }

    /**
     * Sets the session's timeouts for the migration about to run. Its own SET statements run
     * after this, so a migration that sets its own timeouts keeps them.
     */
    void before(Connection c, String sql) throws SQLException {
        boolean concurrentBuild = SqlScript.parse(sql).statements().stream()
                .anyMatch(s -> CONCURRENT_BUILD.matcher(s.normalized()).find());
        set(c, "lock_timeout", concurrentBuild ? concurrentIndexLockTimeout : lockTimeout);
        if (statementTimeout != null) {
            set(c, "statement_timeout", statementTimeout);
        }
    }

    private static void set(Connection c, String name, Duration value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config(?, ?, false)")) {
            ps.setString(1, name);
            ps.setString(2, value.toMillis() + "ms");
            ps.execute();
        }
    }

    /** True when the failure is PostgreSQL's lock_timeout (SQLSTATE 55P03), anywhere in the cause chain. */
    static boolean isLockTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && LOCK_NOT_AVAILABLE.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Logs the failed attempt and waits before the next one; false when the retries are used
     * up. {@code attempt} counts from 1.
     */
    boolean waitBeforeRetry(String migration, int attempt, Throwable cause) {
        if (attempt > lockRetries) {
            LOG.warn("migration {} hit lock_timeout on attempt {} of {}; no retries left", migration, attempt, lockRetries + 1);
            return false;
        }
        Duration wait = retryDelay.multipliedBy(1L << Math.min(attempt - 1, 20));
        LOG.warn("migration {} hit lock_timeout on attempt {} of {} ({}); retrying in {} ms", migration, attempt,
                lockRetries + 1, Migrations.firstLine(Migrations.rootSqlMessage(cause)), wait.toMillis());
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** The INVALID indexes of the database (left by failed concurrent builds), schema-qualified and quoted. */
    static List<String> invalidIndexes(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) FROM pg_index x"
                     + " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
                     + " WHERE NOT x.indisvalid ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** What a failure message says of the INVALID indexes a failed build left, or "". */
    static String leftBehind(List<String> invalid) {
        return invalid.isEmpty() ? "" : "; it left the INVALID index " + String.join(", ", invalid);
    }

    /** The fix for them: the DROP statements to run, or, after a lock timeout, the flag that runs them and retries. */
    static String dropHint(List<String> invalid, boolean lockTimeout) {
        return ", run " + invalid.stream().map(DeploySafety::dropStatement).collect(java.util.stream.Collectors.joining("; "))
                + (lockTimeout ? " (or deploy with --drop-invalid-indexes)" : "");
    }

    /** The INVALID indexes now that are not in {@code before}. */
    static List<String> newInvalidIndexes(Connection c, List<String> before) throws SQLException {
        List<String> now = invalidIndexes(c);
        now.removeAll(before);
        return now;
    }

    static String dropStatement(String index) {
        return "DROP INDEX CONCURRENTLY IF EXISTS " + index;
    }

    /** Drops the indexes with DROP INDEX CONCURRENTLY (the connection must be in autocommit). */
    static void drop(Connection c, List<String> indexes) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String index : indexes) {
                LOG.warn("dropping INVALID index {} left by a failed concurrent build", index);
                st.execute(dropStatement(index));
            }
        }
    }
}
