package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The harness starts a cluster of every supported major: Debian's 15, zonky's builds of the others. */
@IntegrationTest
class PostgresMajorsTest {

    @TestFactory
    Stream<DynamicTest> startsAClusterOfEachMajorAndWritesAndReadsATable() {
        return PostgresCluster.MAJORS.stream()
                .map(major -> DynamicTest.dynamicTest("PostgreSQL " + major, () -> startWriteRead(major)));
    }

    private static void startWriteRead(int major) {
        long t0 = System.nanoTime();
        try (PostgresCluster pg = PostgresCluster.start(major)) {
            System.out.printf("PostgreSQL %d from %s started in %d ms (%s)%n",
                    major, pg.binDir(), (System.nanoTime() - t0) / 1_000_000, pg.runAs());
            if (major == 15) {
                assertThat(pg.binDir()).isEqualTo(PostgresCluster.DEFAULT_BIN_DIR);
            }
            assertThat(pg.queryForString("SHOW server_version_num")).startsWith(Integer.toString(major)).hasSize(6);
            assertThat(pg.majorVersion()).isEqualTo(major);

            pg.execute("CREATE TABLE nest (id int PRIMARY KEY, name text NOT NULL)");
            pg.execute("INSERT INTO nest SELECT g, 'egg ' || g FROM generate_series(1, 1000) g");
            pg.execute("CHECKPOINT");
            assertThat(pg.queryForRows("postgres", "SELECT count(*), sum(id), max(name) FROM nest"))
                    .containsExactly(List.of("1000", "500500", "egg 999"));
            assertThat(pg.psql("-Atc", "SELECT name FROM nest WHERE id = 7").strip()).isEqualTo("egg 7");
        }
    }
}
