package dev.pgnest.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class SeederTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresCluster pg; // started by servers

    /** A fresh database with the BabyNest migrations applied. */
    private static String migratedDatabase() throws SQLException {
        String db = "seed_" + DATABASES.incrementAndGet();
        pg.createDatabase(db);
        Flyway.configure().dataSource(pg.jdbcUrl(db), pg.user(), pg.password())
                .locations(BabyNest.MIGRATIONS_LOCATION)
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .load().migrate();
        return db;
    }

    private static Map<String, TableChecksums.TableChecksum> seed(double scale) throws SQLException {
        String db = migratedDatabase();
        try (Connection c = pg.connect(db)) {
            SeedReport report = new Seeder(scale).load(c);
            assertThat(report.tables()).extracting(SeedReport.TableLoad::table)
                    .containsExactlyElementsOf(BabyNest.TABLES);
            Map<String, TableChecksums.TableChecksum> sums = TableChecksums.computeData(c);
            assertThat(sums.values().stream().mapToLong(TableChecksums.TableChecksum::rows).sum())
                    .isEqualTo(report.totalRows());
            return sums;
        }
    }

    @Test
    void sameScaleTwiceGivesIdenticalTableChecksums() throws SQLException {
        Map<String, TableChecksums.TableChecksum> first = seed(0.05);
        Map<String, TableChecksums.TableChecksum> second = seed(0.05);
        assertThat(first).hasSize(BabyNest.TABLES.size());
        assertThat(first.values()).allSatisfy(t -> assertThat(t.rows()).isPositive());
        assertThat(second).isEqualTo(first);
    }

    @Test
    void scaleOneTwiceGivesIdenticalTableChecksums() throws SQLException {
        long start = System.nanoTime();
        Map<String, TableChecksums.TableChecksum> first = seed(1);
        Map<String, TableChecksums.TableChecksum> second = seed(1);
        assertThat(second).isEqualTo(first);
        assertThat(first.get("public.feeding_logs").rows()).isEqualTo(300_000);
        assertThat(first.get("public.users").rows()).isEqualTo(20_000);
        System.out.printf("scale 1 twice with checksums: %d ms, database size %s%n",
                (System.nanoTime() - start) / 1_000_000,
                pg.queryForString("SELECT pg_size_pretty(pg_database_size('seed_" + DATABASES.get() + "'))"));
    }

    @Test
    void differentScalesGiveDifferentData() throws SQLException {
        assertThat(seed(0.01).get("public.users")).isNotEqualTo(seed(0.02).get("public.users"));
    }

    @Test
    void seededDataSatisfiesTheSchemaAndAdvancesIdentities() throws SQLException {
        String db = migratedDatabase();
        try (Connection c = pg.connect(db); Statement st = c.createStatement()) {
            new Seeder(0.01).load(c);
            // The next insert without an id must not collide with the seeded ids.
            st.execute("INSERT INTO users (email, display_name) VALUES ('new@babynest.test', 'New U.')");
            try (ResultSet rs = st.executeQuery("SELECT max(id), count(*) FROM users")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(rs.getLong(2));
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*) FROM caregivers WHERE role = 'parent' AND user_id = "
                            + "(SELECT created_by FROM babies WHERE id = baby_id)")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(240); // every baby's creator is its parent
            }
        }
    }

    @Test
    void refusesTablesThatAlreadyHoldRows() throws SQLException {
        String db = migratedDatabase();
        try (Connection c = pg.connect(db)) {
            new Seeder(0.01).load(c);
            Map<String, TableChecksums.TableChecksum> before = TableChecksums.computeData(c);
            assertThatThrownBy(() -> new Seeder(0.01).load(c))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("table users already holds rows");
            assertThat(TableChecksums.computeData(c)).isEqualTo(before);
        }
    }

    @Test
    void refusesADatabaseWithoutTheSchema() throws SQLException {
        String db = "seed_empty_" + DATABASES.incrementAndGet();
        pg.createDatabase(db);
        try (Connection c = pg.connect(db)) {
            assertThatThrownBy(() -> new Seeder(1).load(c))
                    .isInstanceOf(PgnestException.class)
                    .hasMessageContaining("BabyNest tables are missing");
        }
    }

    @Test
    void rejectsScalesOutOfRange() {
        assertThatThrownBy(() -> new Seeder(0)).hasMessageContaining("seed scale 0.0 is out of range");
        assertThatThrownBy(() -> new Seeder(-1)).isInstanceOf(PgnestException.class);
        assertThatThrownBy(() -> new Seeder(Double.NaN)).isInstanceOf(PgnestException.class);
    }
}
