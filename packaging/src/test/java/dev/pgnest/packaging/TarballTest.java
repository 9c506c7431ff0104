package dev.pgnest.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball as docker/Dockerfile installs it: unpacked anywhere, its launcher run
 * through a link on PATH. An integration test only because the tarball exists after package.
 */
@IntegrationTest
class TarballTest {
    @TempDir
    Path dir;

    @Test
    void unpackedAnywhereItsLauncherFindsItsJarThroughALink() throws IOException {
        Path tarball;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            tarball = files.filter(f -> f.getFileName().toString().matches("pgnest-.+\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/pgnest-*.tar.gz: run ./mvnw package first"));
        }
        ChildProcess.Result untar = ChildProcess.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString()),
                Map.of(), dir, Duration.ofMinutes(2));
        assertThat(untar.exitCode()).as(untar.describe()).isZero();
        Path home;
        try (Stream<Path> top = Files.list(dir)) {
            home = top.collect(java.util.stream.Collectors.toList()).get(0);
        }
        assertThat(home.getFileName().toString()).startsWith("pgnest-0.1.0");
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/pgnest"))).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(home.resolve("lib/pgnest.jar")).isRegularFile();
        assertThat(home.resolve("lib/wal-fast-path.sh")).isRegularFile();
        assertThat(home.resolve("man/man1/pgnest.1")).isRegularFile();
        assertThat(home.resolve("completion/pgnest.bash")).isRegularFile();
        assertThat(home.resolve("etc/pgnest.yml.example")).content().contains("repositories:");

        Path onPath = Files.createSymbolicLink(Files.createDirectories(dir.resolve("path")).resolve("pgnest"), home.resolve("bin/pgnest"));
        ChildProcess.Result version = ChildProcess.run(List.of(onPath.toString(), "--version"), Map.of(), dir, Duration.ofMinutes(2));
        assertThat(version.exitCode()).as(version.describe()).isZero();
        assertThat(version.stdout()).startsWith("pgnest 0.1.0");
        // no var/ to write a class-data-sharing archive into: it runs without one, and builds nothing
        assertThat(home.resolve("var")).doesNotExist();
        try (Stream<Path> all = Files.walk(home)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".jsa") || n.equals("target"));
        }
    }
}
