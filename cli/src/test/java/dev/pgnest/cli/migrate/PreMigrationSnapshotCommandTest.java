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

    private Map<String, String> protectedTarget(String database, Path migrations) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + database);
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_PROTECTED", "true");
        env.put("PGNEST_PRE_MIGRATION_SNAPSHOT", "logical-backup");
        env.put("PGNEST_MIGRATIONS", migrations.toString());
        env.put("PGNEST_S3_BUCKET", "backups");
        env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        env.put("PGNEST_RESTORE_REPORT_DIR", dir.resolve("reports").toString()); // not into the module's directory
        return env;
    }

    @Test
    void protectedDeployTakesATaggedLogicalBackupBeforeEachPendingRun() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("migrations"));
        Map<String, String> env = protectedTarget("app", migrations);
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

    @Test
    void prismaProjectRestoresToTheSnapshotBeforeAMigrationNamedAsPrismaNamesIt() throws Exception {
        pg.createDatabase("prisma_app");
        Path migrations = dir.resolve("prisma/migrations");
        Files.createDirectories(migrations.resolve("20240108093000_init"));
        Files.writeString(migrations.resolve("migration_lock.toml"), "provider = \"postgresql\"\n");
        Files.writeString(migrations.resolve("20240108093000_init/migration.sql"), """
                CREATE TABLE "Baby" ("id" INTEGER NOT NULL, "name" TEXT NOT NULL, "nickname" TEXT,
                    CONSTRAINT "Baby_pkey" PRIMARY KEY ("id"));
                INSERT INTO "Baby" VALUES (1, 'Ada', 'Addy'), (2, 'Linus', 'Lin');
                """);
        Map<String, String> env = protectedTarget("prisma_app", migrations);
        CliRun init = CliRun.run(env, dir, "repo", "init");
        assertThat(init.exitCode()).as(init.err()).isZero(); // the other test may have made it already: a no-op then
        CliRun first = CliRun.run(env, dir, "migrate", "deploy");
        assertThat(first.exitCode()).as(first.err()).isZero();

        Files.createDirectories(migrations.resolve("20240201100000_drop_nickname"));
        Files.writeString(migrations.resolve("20240201100000_drop_nickname/migration.sql"),
                "SET lock_timeout = '5s';\n-- pgnest-lint-disable drop-column\nALTER TABLE \"Baby\" DROP COLUMN \"nickname\";\n");
        CliRun second = CliRun.run(env, dir, "migrate", "deploy");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("(schema version 20240108093000)");

        CliRun restore = CliRun.run(env, dir, "restore", "logical", "--before-migration", "20240201100000_drop_nickname",
                "--into", "prisma_before_drop");
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        assertThat(pg.queryForString("prisma_before_drop", "SELECT string_agg(id || ' ' || name || ' ' || nickname, ', ' ORDER BY id)"
                + " FROM \"Baby\"")).isEqualTo("1 Ada Addy, 2 Linus Lin");
        assertThat(pg.queryForString("prisma_before_drop", "SELECT string_agg(migration_name, ', ') FROM _prisma_migrations"
                + " WHERE finished_at IS NOT NULL")).isEqualTo("20240108093000_init");
    }
}
