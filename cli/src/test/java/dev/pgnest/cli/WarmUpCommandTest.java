package dev.pgnest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's CDS warm-up: runs offline, without configuration, and leaves nothing behind. */
class WarmUpCommandTest {

    @Test
    void warmUpNeedsNoConfigurationNorNetworkAndLeavesNoTempFiles(@TempDir Path dir) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = warmUpDirs(tmp);
        CliRun run = CliRun.run(Map.of(), dir, "warm-up");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
        // the S3 part (a backup into WarmUpS3, listed and verified) reports any failure here
        assertThat(run.err()).as("warm-up's stderr").isEmpty();
        assertThat(warmUpDirs(tmp)).isEqualTo(before);
        assertThat(CliRun.run(Map.of(), dir, "--help").out()).doesNotContain("warm-up");
    }

    private static long warmUpDirs(Path tmp) throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pgnest-warm-up-")).count();
        }
    }
}
