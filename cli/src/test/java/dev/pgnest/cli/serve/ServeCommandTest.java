package dev.pgnest.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliRun;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `pgnest serve` refuses before it touches anything. (Running it: see the docker entrypoint test.) */
class ServeCommandTest {
    @TempDir
    Path dir;

    private Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of(
                "DATABASE_URL", "postgresql://app@127.0.0.1:1/app",
                "PGNEST_REPO_TYPE", "fs",
                "PGNEST_REPO_PATH", dir.resolve("repo").toString()));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    @Test
    void aBadCronIsAConfigurationErrorNamingTheSetting() {
        CliRun r = CliRun.run(env("PGNEST_SCHEDULE_LOGICAL", "nightly"), dir, "serve");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: schedule.logical of target 'default' is not a cron expression "
                + "('nightly': it has 1 fields; Unix cron has 5, Quartz cron 6 or 7): write it like 0 2 * * * (Unix cron), "
                + "0 0 2 * * ? (Quartz cron, with seconds) or @daily");
    }

    @Test
    void anExpireScheduleWithoutRetentionRulesIsRefusedAtStart() {
        CliRun expire = CliRun.run(env("PGNEST_SCHEDULE_EXPIRE", "0 4 * * *"), dir, "serve");
        assertThat(expire.exitCode()).isEqualTo(2);
        assertThat(expire.err().strip()).isEqualTo("error: schedule.expire of target default is set but it has no retention rule: "
                + "set retention.keep-last, retention.max-age or retention.keep-daily/weekly/monthly for target default");
    }

    @Test
    void aBadListenAddressIsAConfigurationError() {
        CliRun r = CliRun.run(env("PGNEST_SERVE_LISTEN", "localhost"), dir, "serve");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("serve.listen 'localhost' is not host:port: set PGNEST_SERVE_LISTEN like 127.0.0.1:7432");
    }

    @Test
    void anUnreachableJobStoreFailsWithTheDatabaseNamedAndNoPassword() {
        CliRun r = CliRun.run(env("PGNEST_SCHEDULE_LOGICAL", "0 2 * * *", "PGNEST_DB_PASSWORD", "hunter2",
                "PGNEST_SERVE_LISTEN", "127.0.0.1:0"), dir, "serve");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: cannot create or update pgnest serve's job store (schema pgnest_serve)")
                .contains("check serve.database-url").doesNotContain("hunter2");
    }
}
