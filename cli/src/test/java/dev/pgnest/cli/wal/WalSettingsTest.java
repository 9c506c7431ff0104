package dev.pgnest.cli.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wal fetch takes wal.spool-dir and wal.prefetch from its flag, else the environment, else
 * pgnest.yml: checked by where it claims its spool and whether it asks for a prefetcher, with a
 * filesystem repository and no server.
 */
class WalSettingsTest {
    private static final String SEGMENT = "000000010000000000000007";

    @TempDir
    Path dir;
    Map<String, String> env;

    @BeforeEach
    void repository() {
        env = new HashMap<>(Map.of("PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", dir.resolve("repo").toString()));
        CliRun init = CliRun.run(env, dir, "repo", "init");
        assertThat(init.exitCode()).as(init.err()).isZero();
    }

    private CliRun fetch(String... options) {
        String[] args = new String[options.length + 4];
        args[0] = "wal";
        args[1] = "fetch";
        System.arraycopy(options, 0, args, 2, options.length);
        args[options.length + 2] = SEGMENT;
        args[options.length + 3] = dir.resolve("pg_wal-" + SEGMENT).toString();
        return CliRun.run(env, dir, args);
    }

    /** The spool the fetch used: it claims it (fetch/owner) before it asks the archive. */
    private static boolean claimed(Path spool) {
        return Files.isRegularFile(spool.resolve("fetch").resolve("owner"));
    }

    @Test
    void spoolDirectoryComesFromTheFlagThenTheEnvironmentThenPgnestYml() throws IOException {
        Path fromFile = dir.resolve("spool-file");
        Path fromEnv = dir.resolve("spool-env");
        Path fromFlag = dir.resolve("spool-flag");
        Files.writeString(dir.resolve("pgnest.yml"), "wal:\n  spool-dir: " + fromFile + "\n");

        CliRun missing = fetch("--prefetch", "0");
        assertThat(missing.exitCode()).as("not in the archive").isEqualTo(1);
        assertThat(claimed(fromFile)).isTrue();

        env.put("PGNEST_WAL_SPOOL_DIR", fromEnv.toString());
        assertThat(fetch("--prefetch", "0").exitCode()).isEqualTo(1);
        assertThat(claimed(fromEnv)).isTrue();

        assertThat(fetch("--prefetch", "0", "--spool-dir", fromFlag.toString()).exitCode()).isEqualTo(1);
        assertThat(claimed(fromFlag)).isTrue();
    }

    @Test
    void prefetchDepthComesFromTheFlagThenTheEnvironmentThenPgnestYml() throws IOException {
        Path spool = dir.resolve("spool");
        env.put("PGNEST_WAL_SPOOL_DIR", spool.toString());
        Path fetchDir = spool.resolve("fetch");
        Files.writeString(dir.resolve("pgnest.yml"), "wal:\n  prefetch: 0\n");

        // a segment the prefetcher left, so the fetch succeeds and then decides about prefetching
        assertThat(fetch().exitCode()).isEqualTo(1);
        Files.writeString(fetchDir.resolve(SEGMENT), "segment from the spool");
        CliRun fromFile = fetch();
        assertThat(fromFile.exitCode()).as(fromFile.err()).isZero();
        assertThat(dir.resolve("pg_wal-" + SEGMENT)).hasContent("segment from the spool");
        assertThat(fetchDir.resolve("want")).as("wal.prefetch 0 from pgnest.yml: no prefetcher").doesNotExist();

        Files.writeString(fetchDir.resolve(SEGMENT), "segment from the spool");
        env.put("PGNEST_WAL_PREFETCH", "2");
        assertThat(fetch().exitCode()).isZero();
        assertThat(fetchDir.resolve("want")).as("PGNEST_WAL_PREFETCH=2 beats pgnest.yml").hasContent(SEGMENT);

        Files.delete(fetchDir.resolve("want"));
        Files.writeString(fetchDir.resolve(SEGMENT), "segment from the spool");
        assertThat(fetch("--prefetch", "0").exitCode()).isZero();
        assertThat(fetchDir.resolve("want")).as("--prefetch 0 beats the environment").doesNotExist();
    }
}
