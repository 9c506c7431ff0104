package dev.pgnest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheSubcommandsAndExitCodes() {
        CliRun r = CliRun.run(Map.of(), dir, "--help");
        assertThat(r.exitCode()).isZero();
        // the names at the start of the Commands: section's lines (descriptions wrap onto indented lines)
        String commands = r.out().substring(r.out().indexOf("Commands:\n") + "Commands:\n".length(), r.out().indexOf("\nExit codes:"));
        assertThat(commands.lines().filter(l -> l.matches("  \\S.*")).map(l -> l.strip().split("\\s+")[0]))
                .as("pgnest --help, Commands: section; warm-up is hidden (the launcher's own)")
                .containsExactly("config", "migrate", "seed", "backup", "repo", "serve", "demo", "wal", "check", "restore", "help");
        assertThat(r.out()).contains("Exit codes:\n  0  success\n  1  the operation failed",
                "  2  usage or configuration error; nothing was attempted\n  3  a check found something that needs attention");
    }

    @Test
    void everyCommandTakesHelpAndShowsItsOwnUsage() {
        // usage errors end with "see 'pgnest backup logical --help'": that advice must work everywhere
        java.util.List<String[]> paths = new java.util.ArrayList<>();
        collect(PgnestCommand.commandLine(Map.of(), dir), new java.util.ArrayList<>(), paths);
        assertThat(paths).as("commands found in the tree").hasSizeGreaterThan(30);
        for (String[] path : paths) {
            String[] args = java.util.Arrays.copyOf(path, path.length + 1);
            args[path.length] = "--help";
            CliRun r = CliRun.run(Map.of(), dir, args);
            String name = String.join(" ", path);
            assertThat(r.exitCode()).as("pgnest %s --help: exit code (stderr: %s)", name, r.err()).isZero();
            assertThat(r.out()).as("pgnest %s --help", name).startsWith("Usage: pgnest " + name).contains("-h, --help");
        }
    }

    private static void collect(picocli.CommandLine cl, java.util.List<String> path, java.util.List<String[]> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName()) || sub.getCommandSpec().usageMessage().hidden() || name.equals("help")) {
                return; // aliases, the launcher's hidden warm-up, and picocli's help command (no --help of its own)
            }
            java.util.List<String> p = new java.util.ArrayList<>(path);
            p.add(name);
            out.add(p.toArray(String[]::new));
            collect(sub, p, out);
        });
    }

    @Test
    void showAsJsonRedactsEverySecretAndNamesSources() throws Exception {
        Files.writeString(dir.resolve("pgnest.yml"), """
                targets:
                  prod:
                    url: postgresql://app:url-secret@db:5432/babynest
                    password: file-secret
                repositories:
                  main:
                    s3:
                      bucket: babynest-backups
                      access-key-id: AKIAEXAMPLE
                """);
        CliRun r = CliRun.run(Map.of("PGNEST_S3_SECRET_ACCESS_KEY", "env-secret-key"), dir, "config", "show", "--output", "json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).doesNotContain("url-secret", "file-secret", "env-secret-key");
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.at("/selectedTarget").asText()).isEqualTo("prod");
        assertThat(json.at("/targets/prod/url/value").asText()).isEqualTo("postgresql://app:***@db:5432/babynest");
        assertThat(json.at("/targets/prod/password/value").asText()).isEqualTo("***");
        assertThat(json.at("/repositories/main/s3.secret-access-key/value").asText()).isEqualTo("***");
        assertThat(json.at("/repositories/main/s3.secret-access-key/source").asText()).isEqualTo("env PGNEST_S3_SECRET_ACCESS_KEY");
        assertThat(json.at("/repositories/main/s3.bucket/value").asText()).isEqualTo("babynest-backups");
        assertThat(json.at("/repositories/main/s3.bucket/source").asText()).startsWith("file ");
    }

    @Test
    void flagsOverrideEnvironmentOnAnySubcommand() {
        CliRun r = CliRun.run(Map.of("PGNEST_S3_BUCKET", "from-env"), dir, "config", "show", "--s3-bucket", "from-flag");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("s3\\.bucket\\s+from-flag\\s+\\(flag --s3-bucket\\)");
    }

    @Test
    void missingRequiredSettingExitsTwoNamingTheSettingAndTheFix() {
        CliRun r = CliRun.run(Map.of("DATABASE_URL", "postgresql://app@db/app"), dir, "config", "check");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(
                "error: PGNEST_S3_BUCKET is not set: set it, pass --s3-bucket, or add repositories.default.s3.bucket to pgnest.yml");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void completeConfigurationChecksOk() {
        CliRun r = CliRun.run(Map.of("DATABASE_URL", "postgresql://app:pw@db/app", "PGNEST_REPO_TYPE", "fs",
                "PGNEST_REPO_PATH", "/var/backups/pgnest"), dir, "config", "check", "-o", "json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("\"location\" : \"/var/backups/pgnest\"").doesNotContain(":pw@");
    }

    @Test
    void unknownOptionIsOneLineAndExitsTwo() {
        CliRun r = CliRun.run(Map.of(), dir, "config", "show", "--bogus");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: Unknown option: '--bogus': see 'pgnest config show --help'");
    }

    @Test
    void showListsTheWalAndPhysicalBackupSettingsWithTheirSources() throws Exception {
        Files.writeString(dir.resolve("pgnest.yml"), """
                wal:
                  spool-dir: /srv/pgnest/spool
                targets:
                  prod:
                    backup:
                      physical:
                        data-dir: /mnt/prod
                """);
        CliRun r = CliRun.run(Map.of("PGNEST_WAL_PREFETCH", "2", "PGNEST_BACKUP_WAL_TIMEOUT", "120"), dir, "config", "show");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern("wal\\.spool-dir\\s+/srv/pgnest/spool\\s+\\(file .*pgnest\\.yml\\)")
                .containsPattern("wal\\.prefetch\\s+2\\s+\\(env PGNEST_WAL_PREFETCH\\)")
                .containsPattern("wal\\.push-port\\s+0\\s+\\(default\\)")
                .containsPattern("backup\\.physical\\.parallelism\\s+-\\s+\\(unset\\)")
                .containsPattern("wal\\.stream-slot\\s+pgnest\\s+\\(default\\)")
                .containsPattern("backup\\.physical\\.data-dir\\s+/mnt/prod\\s+\\(file .*pgnest\\.yml\\)")
                .containsPattern("backup\\.physical\\.wal-timeout\\s+2m\\s+\\(env PGNEST_BACKUP_WAL_TIMEOUT\\)");
    }

    @Test
    void badWalSettingInTheEnvironmentIsOneLineAndExitsTwo() {
        CliRun r = CliRun.run(Map.of("PGNEST_WAL_PUSH_PARALLELISM", "many"), dir, "config", "show");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: invalid wal.push-parallelism from environment variable PGNEST_WAL_PUSH_PARALLELISM: "
                + "'many' is not a whole number: expected integer 1..64" + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badValueInConfigFileExitsTwo() throws Exception {
        Files.writeString(dir.resolve("pgnest.yml"), "log:\n  level: loud\n");
        CliRun r = CliRun.run(Map.of(), dir, "config", "show");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("error: invalid log.level from log.level in ").contains("'loud' is not one of error, warn, info, debug");
    }
}
