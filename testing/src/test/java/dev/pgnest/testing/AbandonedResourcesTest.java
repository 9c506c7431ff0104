package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** What a test forgets to close must not outlive its JVM. */
@IntegrationTest
class AbandonedResourcesTest {

    @Test
    void shutdownHookStopsServerAndDeletesDirsWhenJvmExitsWithoutClose() throws Exception {
        Process child = startChild();
        Map<String, String> seen = readUntilReady(child);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();

        long pid = Long.parseLong(seen.get("pg").split(" ")[0]);
        assertThat(PostgresCluster.isAlive(pid)).isFalse();
        assertThat(Path.of(seen.get("pg").split(" ")[1])).doesNotExist();
        assertThat(Path.of(seen.get("s3"))).doesNotExist();
    }

    @Test
    void nextHarnessSweepsWhatAKilledJvmLeftBehind() throws Exception {
        Process child = startChild("wait");
        Map<String, String> seen = readUntilReady(child);
        long pid = Long.parseLong(seen.get("pg").split(" ")[0]);
        Path pgDir = Path.of(seen.get("pg").split(" ")[1]);
        Path s3Dir = Path.of(seen.get("s3"));

        // while its JVM lives, another JVM's sweep must not touch it
        Cleanup.sweepOrphansNow(pgDir.getParent(), "pgnest-pg-");
        Cleanup.sweepOrphansNow(s3Dir.getParent(), "pgnest-s3-");
        assertThat(PostgresCluster.isAlive(pid)).isTrue();
        assertThat(pgDir).exists();
        assertThat(s3Dir).exists();

        child.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(PostgresCluster.isAlive(pid)).isTrue();
        assertThat(pgDir).exists();

        Cleanup.sweepOrphansNow(pgDir.getParent(), "pgnest-pg-");
        Cleanup.sweepOrphansNow(s3Dir.getParent(), "pgnest-s3-");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (PostgresCluster.isAlive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(PostgresCluster.isAlive(pid)).isFalse();
        assertThat(pgDir).doesNotExist();
        assertThat(s3Dir).doesNotExist();
    }

    @Test
    void sweepLeavesThisJvmsClustersAlone() {
        try (PostgresCluster pg = PostgresCluster.builder().start()) {
            Cleanup.sweepOrphansNow(pg.workDir().getParent(), "pgnest-pg-");
            assertThat(pg.isRunning()).isTrue();
            assertThat(pg.queryForString("SELECT 1")).isEqualTo("1");
        }
    }

    private static Process startChild(String... args) throws Exception {
        List<String> command = ChildJvm.command(List.of("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")),
                AbandonedResourcesMain.class.getName(), args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static Map<String, String> readUntilReady(Process child) throws Exception {
        Map<String, String> seen = new HashMap<>();
        StringBuilder all = new StringBuilder();
        BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null; ) {
            all.append(line).append('\n');
            if (line.equals("ready")) {
                return seen;
            }
            int space = line.indexOf(' ');
            if (space > 0) {
                seen.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        throw new AssertionError("child JVM ended before it was ready:\n" + all);
    }
}
