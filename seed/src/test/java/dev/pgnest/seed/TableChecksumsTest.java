package dev.pgnest.seed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class TableChecksumsTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @BeforeAll
    static void createTables() throws SQLException {
        pg.createDatabase("sums");
        try (Connection c = pg.connect("sums"); Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE keyed (id int PRIMARY KEY, at timestamptz, amount float8, note text);
                    INSERT INTO keyed VALUES (2, '2024-05-01 10:00+02', 0.1, 'two'), (1, NULL, 1e-7, E'tab\\there');
                    CREATE TABLE unkeyed (a int, b text);
                    INSERT INTO unkeyed VALUES (2, 'x'), (1, 'y'), (1, 'y');
                    """);
        }
    }

    @Test
    void checksumIgnoresPhysicalOrderAndSessionSettings() throws SQLException {
        try (Connection c = pg.connect("sums"); Statement st = c.createStatement()) {
            TableChecksums.TableChecksum before = TableChecksums.compute(c, "public.keyed");
            assertThat(before.rows()).isEqualTo(2);
            // An update moves the row to the end of the heap; a different time zone changes
            // how timestamptz prints. Neither changes the content.
            st.execute("UPDATE keyed SET note = note WHERE id = 1");
            st.execute("SET TimeZone = 'Asia/Tokyo'");
            st.execute("SET extra_float_digits = 0");
            assertThat(TableChecksums.compute(c, "public.keyed")).isEqualTo(before);
            assertThat(c.createStatement().executeQuery("SHOW TimeZone")).satisfies(rs -> {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("Asia/Tokyo"); // the caller's session is left alone
            });
        }
    }

    @Test
    void checksumChangesWhenOneValueChanges() throws SQLException {
        try (Connection c = pg.connect("sums"); Statement st = c.createStatement()) {
            TableChecksums.TableChecksum before = TableChecksums.compute(c, "keyed");
            c.setAutoCommit(false);
            st.execute("UPDATE keyed SET amount = 0.1000001 WHERE id = 2");
            assertThat(TableChecksums.compute(c, "keyed").sha256()).isNotEqualTo(before.sha256());
            c.rollback();
        }
    }

    @Test
    void tablesWithoutPrimaryKeyAreHashedDeterministically() throws SQLException {
        try (Connection c = pg.connect("sums")) {
            var all = TableChecksums.compute(c);
            assertThat(all).containsOnlyKeys("public.keyed", "public.unkeyed");
            assertThat(all.get("public.unkeyed").rows()).isEqualTo(3);
            assertThat(TableChecksums.compute(c, "unkeyed")).isEqualTo(all.get("public.unkeyed"));
        }
    }
}
