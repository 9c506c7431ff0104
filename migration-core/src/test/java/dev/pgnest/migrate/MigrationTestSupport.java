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
import java.util.List;
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
}
