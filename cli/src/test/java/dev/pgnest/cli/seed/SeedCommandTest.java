package dev.pgnest.cli.seed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.Servers;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class SeedCommandTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres();

    private static PostgresCluster pg; // started by servers

    @TempDir
    Path dir;

    private CliRun seed(String db, String... args) {
        pg.createDatabase(db);
        String[] all = new String[args.length + 1];
        all[0] = "seed";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.run(Map.of("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + db,
                "PGNEST_DB_PASSWORD", pg.password()), dir, all);
    }

    @Test
    void seedTwiceAtTheSameScaleGivesIdenticalTableChecksums() throws Exception {
        CliRun first = seed("seed_a", "--scale", "0.05", "--checksums", "-o", "json");
        CliRun second = seed("seed_b", "--scale", "0.05", "--checksums", "-o", "json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(second.exitCode()).as(second.err()).isZero();
        JsonNode a = new ObjectMapper().readTree(first.out());
        JsonNode b = new ObjectMapper().readTree(second.out());
        assertThat(a.at("/migrations/versionAfter").asText()).isEqualTo("9");
        assertThat(a.at("/checksums").size()).isEqualTo(10);
        assertThat(a.at("/checksums/public.users/rows").asLong()).isEqualTo(1000);
        assertThat(b.at("/checksums")).isEqualTo(a.at("/checksums"));
        assertThat(pg.queryForString("seed_b", "SELECT count(*) FROM feeding_logs")).isEqualTo("15000");
    }

    @Test
    void textOutputListsTablesAndRefusesASecondSeed() {
        CliRun r = seed("seed_c", "--scale", "0.01");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("BabyNest schema at version 9 (9 migrations applied)\n")
                .containsPattern("users\\s+200 rows").contains("seeded ");
        CliRun again = CliRun.run(Map.of("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/seed_c",
                "PGNEST_DB_PASSWORD", pg.password()), dir, "seed", "--scale", "0.01");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: table users already holds rows");
    }

    @Test
    void scaleOutOfRangeIsAUsageError() {
        CliRun r = seed("seed_d", "--scale", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: seed scale 0.0 is out of range: give a scale above 0 and at most 1000 (1 is about 150 MB)\n");
    }
}
