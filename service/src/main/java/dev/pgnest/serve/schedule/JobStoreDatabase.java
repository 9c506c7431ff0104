package dev.pgnest.serve.schedule;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The database that holds the scheduler's state (Quartz's tables) and the job history, in its
 * own schema {@value #SCHEMA}. Its tables are created by pgnest's own migrations with a
 * dedicated history table, so they never mix with the application's Flyway history.
 * Replicas starting together are safe: Flyway migrates under an advisory lock.
 */
public final class JobStoreDatabase implements AutoCloseable {
    public static final String SCHEMA = LogicalBackup.SERVICE_SCHEMA;
    static final String HISTORY_TABLE = "schema_history";
    static final String MIGRATIONS = "classpath:dev/pgnest/serve/schedule/db";

    private final HikariDataSource pool;
    private final DatabaseConnection connection;

    private JobStoreDatabase(HikariDataSource pool, DatabaseConnection connection) {
        this.pool = pool;
        this.connection = connection;
    }

    /**
     * Connects with a pool of {@code poolSize} connections and brings the schema up to date.
     *
     * @throws PgnestException (DATABASE) naming the database when it cannot be reached or migrated
     */
    public static JobStoreDatabase open(DatabaseConnection connection, int poolSize) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(connection.jdbcUrl());
        cfg.setUsername(connection.user());
        if (connection.password() != null) {
            cfg.setPassword(connection.password());
        }
        cfg.setPoolName("pgnest-jobstore");
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(1);
        // Quartz manages its own transactions (JobStoreTX): it sets autocommit itself
        cfg.setConnectionTimeout(5_000);
        cfg.setInitializationFailTimeout(-1);
        cfg.addDataSourceProperty("ApplicationName", "pgnest serve");
        cfg.addDataSourceProperty("connectTimeout", "10");
        HikariDataSource pool = new HikariDataSource(cfg);
        try {
            migrate(pool);
            return new JobStoreDatabase(pool, connection);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static void migrate(DataSource ds) {
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .schemas(SCHEMA)
                    .defaultSchema(SCHEMA)
                    .table(HISTORY_TABLE)
                    .locations(MIGRATIONS)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new PgnestException(ErrorKind.DATABASE,
                    "cannot create or update pgnest serve's job store (schema " + SCHEMA + "): " + rootMessage(e),
                    "check serve.database-url and that its user may create a schema there "
                            + "(or create schema " + SCHEMA + " owned by it)", e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public Connection connect() throws SQLException {
        return pool.getConnection();
    }

    /** user@host:port/db — never the password. */
    public String describe() {
        return connection.toString();
    }

    @Override
    public void close() {
        pool.close();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
