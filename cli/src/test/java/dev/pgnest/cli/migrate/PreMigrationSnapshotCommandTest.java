package dev.pgnest.cli.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** pre-migration.snapshot=logical-backup: a protected deploy backs the database up first, tagged. */
@IntegrationTest
class PreMigrationSnapshotCommandTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
    }

    @Test
    void protectedDeployTakesATaggedLogicalBackupBeforeEachPendingRun() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("migrations"));
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_PROTECTED", "true");
        env.put("PGNEST_PRE_MIGRATION_SNAPSHOT", "logical-backup");
        env.put("PGNEST_MIGRATIONS", migrations.toString());
        env.put("PGNEST_S3_BUCKET", "backups");
        env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        assertThat(CliRun.run(env, dir, "repo", "init").exitCode()).isZero();

        Files.writeString(migrations.resolve("V1__babies.sql"),
                "CREATE TABLE babies (id int PRIMARY KEY, name text, nickname text);\n"
                        + "INSERT INTO babies VALUES (1, 'Ada', 'Addy'), (2, 'Linus', 'Lin');\n");
        CliRun first = CliRun.run(env, dir, "migrate", "deploy");
        assertThat(first.exitCode()).as(first.err()).isZero();

        Files.writeString(migrations.resolve("V2__drop_nickname.sql"),
                "SET lock_timeout = '5s';\n-- pgnest-lint-disable drop-column\nALTER TABLE babies DROP COLUMN nickname;\n");
        CliRun second = CliRun.run(env, dir, "migrate", "deploy", "--output", "json");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(pg.queryForString("app", "select count(*) from information_schema.columns where column_name = 'nickname'"))
                .isEqualTo("0");

        JsonNode backups = JSON.readTree(CliRun.run(env, dir, "backup", "list", "--output", "json").out());
        JsonNode last = backups.isArray() ? backups.get(backups.size() - 1) : backups.at("/backups").get(backups.at("/backups").size() - 1);
        assertThat(last.toString()).contains("pre-migration").contains("\"1\"");
        assertThat(second.out()).contains(last.get("id").asText());
    }
}
