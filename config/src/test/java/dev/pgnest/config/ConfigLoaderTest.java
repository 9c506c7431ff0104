package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private PgnestConfig load(String yaml, Map<String, String> env, Map<Setting<?>, String> flags) throws IOException {
        if (yaml != null) {
            Files.writeString(dir.resolve("pgnest.yml"), yaml);
        }
        return new ConfigLoader(null, env, flags, dir).load();
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        String yaml = """
                repositories:
                  main:
                    s3:
                      bucket: from-file
                      prefix: file-prefix
                      region: eu-west-1
                """;
        PgnestConfig c = load(yaml, Map.of("PGNEST_S3_PREFIX", "env-prefix", "PGNEST_S3_REGION", "eu-central-1"),
                Map.of(Settings.S3_REGION, "ap-south-1"));
        SettingValues repo = c.repository();
        assertThat(repo.name()).isEqualTo("main");
        assertThat(repo.require(Settings.S3_BUCKET)).isEqualTo("from-file");
        assertThat(repo.entry(Settings.S3_BUCKET).source().kind()).isEqualTo(ValueSource.Kind.FILE);
        assertThat(repo.require(Settings.S3_PREFIX)).isEqualTo("env-prefix");
        assertThat(repo.entry(Settings.S3_PREFIX).source().toString()).isEqualTo("env PGNEST_S3_PREFIX");
        assertThat(repo.require(Settings.S3_REGION)).isEqualTo("ap-south-1");
        assertThat(repo.entry(Settings.S3_REGION).source().toString()).isEqualTo("flag --s3-region");
        assertThat(repo.require(Settings.COMPRESSION)).isEqualTo("zstd");
        assertThat(repo.entry(Settings.COMPRESSION).source().kind()).isEqualTo(ValueSource.Kind.DEFAULT);
    }

    @Test
    void fileIsConfigFlagElseEnvironmentElseWorkingDirectoryElseSystemFile() throws IOException {
        Path system = Files.writeString(dir.resolve("system.yml"), "# system\n");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path fromEnv = Files.writeString(dir.resolve("env.yml"), "# env\n");
        Path explicit = Files.writeString(dir.resolve("explicit.yml"), "# flag\n");
        Map<String, String> env = Map.of(ConfigLoader.CONFIG_ENV, fromEnv.toString());

        assertThat(new ConfigLoader(null, Map.of(), work, Map.of(), system).load().file()).contains(system);
        Path local = Files.writeString(work.resolve("pgnest.yml"), "# work\n");
        assertThat(new ConfigLoader(null, Map.of(), work, Map.of(), system).load().file()).contains(local);
        assertThat(new ConfigLoader(null, env, work, Map.of(), system).load().file()).contains(fromEnv);
        assertThat(new ConfigLoader(explicit, env, work, Map.of(), system).load().file()).contains(explicit);

        Files.delete(local);
        assertThat(new ConfigLoader(null, Map.of(), work, Map.of(), dir.resolve("absent.yml")).load().file()).isEmpty();
    }

    @Test
    void databaseUrlIsReadAsPrismaUsersSetIt() throws IOException {
        PgnestConfig c = load(null, Map.of("DATABASE_URL", "postgresql://app:s3cret@db.internal:6543/babynest?sslmode=require"), Map.of());
        DatabaseConnection conn = c.connection();
        assertThat(conn.host()).isEqualTo("db.internal");
        assertThat(conn.port()).isEqualTo(6543);
        assertThat(conn.database()).isEqualTo("babynest");
        assertThat(conn.user()).isEqualTo("app");
        assertThat(conn.password()).isEqualTo("s3cret");
        assertThat(conn.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/babynest?sslmode=require");
        assertThat(conn.toString()).doesNotContain("s3cret");
        assertThat(c.target().entry(Settings.DATABASE_URL).display()).isEqualTo("postgresql://app:***@db.internal:6543/babynest?sslmode=require");
    }

    @Test
    void passwordSettingOverridesTheUrlAndIsNeverShown() throws IOException {
        PgnestConfig c = load(null, Map.of("PGNEST_DATABASE_URL", "postgres://app@localhost/app", "PGNEST_DB_PASSWORD", "hunter2"), Map.of());
        assertThat(c.connection().password()).isEqualTo("hunter2");
        assertThat(c.target().entry(Settings.DB_PASSWORD).display()).isEqualTo("***");
        assertThat(ConfigReport.text(c)).noneMatch(line -> line.contains("hunter2"));
        assertThat(ConfigReport.of(c).toString()).doesNotContain("hunter2");
    }

    @Test
    void missingRequiredSettingNamesTheVariableTheFlagAndTheFileKey() throws IOException {
        PgnestConfig c = load(null, Map.of(), Map.of());
        assertThatThrownBy(() -> c.repository().require(Settings.S3_BUCKET))
                .isInstanceOf(PgnestException.class)
                .hasMessage("PGNEST_S3_BUCKET is not set: set it, pass --s3-bucket, or add repositories.default.s3.bucket to pgnest.yml")
                .extracting(e -> ((PgnestException) e).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThatThrownBy(c::connection)
                .hasMessage("PGNEST_DATABASE_URL is not set: set it, pass --database-url, or add targets.default.url to pgnest.yml");
    }

    @Test
    void unknownKeyInTheFileIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> load("repositories:\n  main:\n    s3:\n      bukket: x\n", Map.of(), Map.of()))
                .isInstanceOf(PgnestException.class)
                .hasMessageStartingWith("unknown setting repositories.main.s3.bukket in pgnest.yml: check the spelling; known here: ")
                .hasMessageContaining("s3.bucket");
    }

    @Test
    void wrongTypeNamesTheSettingAndWhereTheValueCameFrom() {
        assertThatThrownBy(() -> load("repositories:\n  r:\n    compression-level: lots\n", Map.of(), Map.of()))
                .hasMessageContaining("invalid compression-level from repositories.r.compression-level in ")
                .hasMessageEndingWith("'lots' is not a whole number: expected integer 1..19");
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_S3_PATH_STYLE", "maybe"), Map.of()))
                .hasMessage("invalid s3.path-style from environment variable PGNEST_S3_PATH_STYLE: 'maybe' is not true or false: expected true|false");
    }

    @Test
    void severalTargetsNeedAChoiceAndEnvironmentAppliesToTheChosenOnly() throws IOException {
        String yaml = """
                targets:
                  prod:
                    url: postgresql://app@prod-db/app
                    protected: true
                  staging:
                    url: postgresql://app@staging-db/app
                """;
        PgnestConfig none = load(yaml, Map.of(), Map.of());
        assertThatThrownBy(none::target).hasMessage(
                "several targets are defined (prod, staging) and none is chosen: pass --target, set PGNEST_TARGET, or add target: NAME to pgnest.yml");

        PgnestConfig c = load(yaml, Map.of("PGNEST_TARGET", "staging", "DATABASE_URL", "postgresql://app@override/app"), Map.of());
        assertThat(c.target().name()).isEqualTo("staging");
        assertThat(c.connection().host()).isEqualTo("override");
        assertThat(c.targets().get("prod").require(Settings.DATABASE_URL)).isEqualTo("postgresql://app@prod-db/app");
        assertThat(c.targets().get("prod").require(Settings.PROTECTED)).isTrue();

        assertThatThrownBy(() -> load(yaml, Map.of(), Map.of(Settings.TARGET_NAME, "qa")).target())
                .hasMessage("target 'qa' is not defined in pgnest.yml: define targets.qa or choose one of: prod, staging");
    }

    @Test
    void explicitConfigFileMustExist() {
        assertThatThrownBy(() -> new ConfigLoader(Path.of("nope.yml"), Map.of(), Map.of(), dir).load())
                .hasMessage("configuration file nope.yml does not exist: check the --config path");
    }

    @Test
    void malformedYamlIsAConfigError() {
        assertThatThrownBy(() -> load("targets: [unclosed\n", Map.of(), Map.of()))
                .isInstanceOf(PgnestException.class)
                .hasMessageContaining("is not valid YAML");
    }

    // serve.listen is a host:port and serve.timezone a zone, checked when the configuration loads

    @Test
    void listenTakesHostPortBracketedIpv6AndABarePortForEveryInterface() throws IOException {
        assertThat(load(null, Map.of(), Map.of()).global().require(Settings.SERVE_LISTEN)).isEqualTo(new HostPort("127.0.0.1", 7432));
        HostPort v6 = load(null, Map.of("PGNEST_SERVE_LISTEN", "[::1]:7433"), Map.of()).global().require(Settings.SERVE_LISTEN);
        assertThat(v6).isEqualTo(new HostPort("::1", 7433));
        assertThat(v6.urlHost()).isEqualTo("[::1]");
        assertThat(v6.toString()).isEqualTo("[::1]:7433");
        HostPort any = load(null, Map.of("PGNEST_SERVE_LISTEN", ":7434"), Map.of()).global().require(Settings.SERVE_LISTEN);
        assertThat(any.address()).isEqualTo(new InetSocketAddress("0.0.0.0", 7434));
        assertThat(SettingType.HOST_PORT.display(any)).isEqualTo(":7434");
        assertThat(SettingType.HOST_PORT.display(Settings.SERVE_LISTEN.defaultValue())).isEqualTo("127.0.0.1:7432");
    }

    @Test
    void aBadListenAddressNamesTheSettingAndHowToSetIt() {
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_SERVE_LISTEN", "localhost"), Map.of()).global())
                .hasMessage("serve.listen 'localhost' is not host:port: set PGNEST_SERVE_LISTEN like 127.0.0.1:7432")
                .extracting(e -> ((PgnestException) e).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_SERVE_LISTEN", "127.0.0.1:70000"), Map.of()).global())
                .hasMessage("serve.listen '127.0.0.1:70000' is not host:port: set PGNEST_SERVE_LISTEN like 127.0.0.1:7432");
        assertThatThrownBy(() -> load("serve:\n  listen: somewhere\n", Map.of(), Map.of()))
                .hasMessageStartingWith("serve.listen 'somewhere' is not host:port: set serve.listen in ")
                .hasMessageEndingWith("pgnest.yml like 127.0.0.1:7432");
    }

    @Test
    void timezoneIsAZone() throws IOException {
        assertThat(load(null, Map.of(), Map.of()).global().require(Settings.SERVE_TIMEZONE)).isEqualTo(ZoneId.of("UTC"));
        assertThat(load(null, Map.of("PGNEST_SERVE_TIMEZONE", "Europe/Paris"), Map.of()).global().require(Settings.SERVE_TIMEZONE))
                .isEqualTo(ZoneId.of("Europe/Paris"));
        assertThatThrownBy(() -> load(null, Map.of("PGNEST_SERVE_TIMEZONE", "Mars/Olympus"), Map.of()).global())
                .hasMessage("serve.timezone 'Mars/Olympus' is not a time zone: set PGNEST_SERVE_TIMEZONE like UTC or Europe/Paris")
                .extracting(e -> ((PgnestException) e).exitCode()).isEqualTo(ExitCode.USAGE);
    }

    // a target may keep its WAL in several repositories; one repository is still the default meaning

    @Test
    void aTargetNamingSeveralRepositoriesSelectsTheFirstUnlessOneIsChosen() throws IOException {
        String yaml = """
                repositories:
                  local:
                    type: fs
                    path: /var/backups/pgnest
                  offsite:
                    s3:
                      bucket: far-away
                targets:
                  prod:
                    url: postgresql://app@prod-db/app
                    repositories: [local, offsite]
                """;
        PgnestConfig c = load(yaml, Map.of(), Map.of());
        assertThat(c.repository().name()).isEqualTo("local");
        assertThat(c.targetRepositories()).extracting(SettingValues::name).containsExactly("local", "offsite");
        assertThat(c.targetRepositories().get(1).require(Settings.S3_BUCKET)).isEqualTo("far-away");

        PgnestConfig chosen = load(yaml, Map.of(), Map.of(Settings.REPOSITORY_NAME, "offsite"));
        assertThat(chosen.repository().name()).isEqualTo("offsite");
        assertThat(chosen.targetRepositories()).extracting(SettingValues::name).containsExactly("local", "offsite");
    }

    @Test
    void withoutTheRepositoriesSettingATargetUsesTheSelectedRepositoryAlone() throws IOException {
        PgnestConfig c = load("repositories:\n  main:\n    type: fs\n    path: /srv/r\n", Map.of(), Map.of());
        assertThat(c.targetRepositories()).extracting(SettingValues::name).containsExactly("main");
    }

    @Test
    void aTargetNamingAnUndefinedRepositoryIsRefused() {
        String yaml = """
                repositories:
                  local:
                    type: fs
                    path: /srv/r
                targets:
                  prod:
                    url: postgresql://app@prod-db/app
                    repositories: [local, ofsite]
                """;
        assertThatThrownBy(() -> load(yaml, Map.of(), Map.of()))
                .isInstanceOf(PgnestException.class)
                .hasMessage("repository 'ofsite' of targets.prod.repositories is not defined in pgnest.yml: "
                        + "define repositories.ofsite or choose among: local");
    }
}
