package dev.pgnest.backup.logical;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.Storage;
import dev.pgnest.testing.PostgresCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Databases to back up, table checksums computed in SQL, and pg_restore of a stored dump. */
final class TestData {
    static final List<String> SHOP_TABLES = List.of("customers", "orders", "flyway_schema_history");

    private TestData() {
    }

    /**
     * A database of ~35 MB of dump: text, numeric, arrays, jsonb, bytea, NULLs, a foreign key,
     * and a Flyway history whose newest successful version is 10 (numeric order, not text).
     */
    static void createShop(PostgresCluster pg, String db, int customers) {
        pg.createDatabase(db);
        pg.execute(db, """
                create table customers (id bigint primary key, name text not null, email text,
                    created_at timestamptz, balance numeric(12,2), tags text[], profile jsonb);
                insert into customers
                select g, 'name ' || md5(g::text), md5(random()::text) || '@example.com',
                       timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute', (random() * 10000)::numeric(12,2),
                       array[md5(g::text), 'x'], jsonb_build_object('n', g, 'h', md5((g * 7)::text))
                from generate_series(1, %d) g;
                create table orders (id bigint primary key, customer_id bigint references customers,
                    total numeric(12,2), note text, payload bytea);
                insert into orders
                select g, 1 + (g %% %d), (random() * 500)::numeric(12,2),
                       case when g %% 3 = 0 then null else 'note ' || g end,
                       decode(md5(random()::text) || md5(random()::text), 'hex')
                from generate_series(1, %d) g;
                create index orders_customer on orders (customer_id);
                create table flyway_schema_history (installed_rank int primary key, version varchar(50),
                    description varchar(200) not null, type varchar(20) not null, script varchar(1000) not null,
                    checksum int, installed_by varchar(100) not null, installed_on timestamp not null default now(),
                    execution_time int not null, success boolean not null);
                insert into flyway_schema_history values
                    (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', '2024-01-01', 5, true),
                    (2, '2', 'orders', 'SQL', 'V2__orders.sql', 2, 'app', '2024-01-02', 5, true),
                    (3, '10', 'index', 'SQL', 'V10__index.sql', 3, 'app', '2024-01-03', 5, true),
                    (4, null, 'views', 'SQL', 'R__views.sql', 4, 'app', '2024-01-04', 5, true),
                    (5, '11', 'broken', 'SQL', 'V11__broken.sql', 5, 'app', '2024-01-05', 5, false);
                analyze;
                """.formatted(customers, customers, customers * 3 / 2));
    }

    /** A small database for tests that need a real dump but not its size. */
    static void createTiny(PostgresCluster pg, String db) {
        pg.createDatabase(db);
        pg.execute(db, "create table t (id int primary key, v text); "
                + "insert into t select g, md5(g::text) from generate_series(1, 1000) g;");
    }

    /** md5 over every row of each table in primary-key order, computed by PostgreSQL. */
    static Map<String, String> checksums(PostgresCluster pg, String db, List<String> tables) {
        Map<String, String> sums = new LinkedHashMap<>();
        for (String table : tables) {
            String pk = table.equals("flyway_schema_history") ? "installed_rank" : "id";
            sums.put(table, pg.queryForString(db, "select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t."
                    + pk + "), '')) from " + table + " t"));
        }
        return sums;
    }

    static DatabaseConnection connection(PostgresCluster pg, String db) {
        return DatabaseConnection.parse(pg.jdbcUrl(db), pg.user(), pg.password());
    }

    /** Streams the backup's dump out of the repository into pg_restore, into a new database. */
    static void restore(PostgresCluster pg, Storage storage, BackupManifest manifest, String intoDb) throws Exception {
        pg.createDatabase(intoDb);
        BackupObject dump = manifest.objects().get(0);
        ProcessBuilder pb = new ProcessBuilder(pg.binDir().resolve("pg_restore").toString(),
                "--dbname=" + intoDb, "--no-owner", "--exit-on-error");
        pb.environment().putAll(pg.libpqEnvironment());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try (InputStream in = dump.compression().decompress(storage.get(
                RepositoryLayout.backupObjectKey(manifest.target(), manifest.id(), dump.name())));
             OutputStream out = p.getOutputStream()) {
            in.transferTo(out);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("pg_restore: " + output).isZero();
    }

    /**
     * A directory with an executable {@code pg_dump} script (REAL stands for the real one), and
     * pg_restore and psql from the real bin dir: the backup exports its snapshot with psql.
     */
    static Path fakeBinDir(Path dir, PostgresCluster pg, String pgDumpScript) throws IOException {
        fakeBinDirWithoutPsql(dir, pg, pgDumpScript);
        Path psql = dir.resolve("psql");
        if (!Files.exists(psql)) {
            Files.createSymbolicLink(psql, pg.binDir().resolve("psql"));
        }
        return dir;
    }

    /** Replaces {@code dir}'s psql by a script (REAL stands for the real psql). */
    static void fakePsql(Path dir, PostgresCluster pg, String psqlScript) throws IOException {
        Path script = dir.resolve("psql");
        Files.deleteIfExists(script);
        Files.writeString(script, "#!/bin/sh\n" + psqlScript.replace("REAL", pg.binDir().resolve("psql").toString()));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** {@link #fakeBinDir} without psql: the backup's JDBC connection exports the snapshot. */
    static Path fakeBinDirWithoutPsql(Path dir, PostgresCluster pg, String pgDumpScript) throws IOException {
        Files.createDirectories(dir);
        Path script = dir.resolve("pg_dump");
        Files.writeString(script, "#!/bin/sh\n" + pgDumpScript.replace("REAL", pg.binDir().resolve("pg_dump").toString()));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path restore = dir.resolve("pg_restore");
        if (!Files.exists(restore)) {
            Files.createSymbolicLink(restore, pg.binDir().resolve("pg_restore"));
        }
        return dir;
    }
}
