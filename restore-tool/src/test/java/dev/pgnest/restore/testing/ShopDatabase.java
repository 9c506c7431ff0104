package dev.pgnest.restore.testing;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.testing.PostgresCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;

/**
 * A small shop database migrated by real Flyway: V1 creates customers (with an email column)
 * and orders; V2 drops customers.email. Checksums are computed by PostgreSQL over whole rows.
 */
public final class ShopDatabase {
    public static final List<String> TABLES = List.of("customers", "orders", "flyway_schema_history");

    private ShopDatabase() {
    }

    /** Creates {@code db}, applies V1, fills it, then migrates up to {@code version}. */
    public static void create(PostgresCluster pg, String db, Path migrations, String version) {
        pg.createDatabase(db);
        migrate(pg, db, migrations, "1");
        pg.execute(db, """
                insert into customers (id, name, email)
                select g, 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, 500) g;
                insert into orders (id, customer_id, total, note)
                select g, 1 + g % 500, (g * 7 % 1000)::numeric / 10, case when g % 3 = 0 then null else 'note ' || g end
                from generate_series(1, 2000) g;
                """);
        if (!version.equals("1")) {
            migrate(pg, db, migrations, version);
        }
    }

    public static void migrate(PostgresCluster pg, String db, Path migrations, String version) {
        Flyway.configure()
                .dataSource(pg.jdbcUrl(db), pg.user(), pg.password())
                .locations("filesystem:" + migrations)
                .target(version)
                .load()
                .migrate();
    }

    /** Writes V1 and V2 into a directory. */
    public static Path writeMigrations(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("V1__shop.sql"), """
                    create table customers (id bigint primary key, name text not null, email text);
                    create table orders (id bigint primary key, customer_id bigint references customers, total numeric(10,2), note text);
                    """);
            Files.writeString(dir.resolve("V2__drop_email.sql"), "alter table customers drop column email;\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** count:md5 of every table's rows in primary-key order; tables that do not exist are left out. */
    public static Map<String, String> checksums(PostgresCluster pg, String db) {
        Map<String, String> sums = new LinkedHashMap<>();
        for (String table : TABLES) {
            boolean exists = pg.queryForString(db, "select to_regclass('public." + table + "') is not null").equals("t");
            if (!exists) {
                continue;
            }
            String pk = table.equals("flyway_schema_history") ? "installed_rank" : "id";
            // installed_on and execution_time differ between runs of the same migration, not between copies
            sums.put(table, pg.queryForString(db, "select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t."
                    + pk + "), '')) from " + table + " t"));
        }
        return sums;
    }

    public static boolean databaseExists(PostgresCluster pg, String db) {
        return pg.queryForString("select count(*) from pg_database where datname = '" + db + "'").equals("1");
    }

    public static DatabaseConnection connection(PostgresCluster pg, String db) {
        return DatabaseConnection.parse(pg.jdbcUrl(db), pg.user(), pg.password());
    }
}
