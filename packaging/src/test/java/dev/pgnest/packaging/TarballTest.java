package dev.pgnest.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.testing.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        Path home = unpack();
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

    /**
     * Java 24 and later print four WARNING lines on stderr when a jar loads a native library
     * without native access granted (JEP 472), as zstd-jni does: into archive_command's log at
     * every WAL file, and a future Java refuses it. The jar's manifest grants it.
     */
    @Test
    void onJava24AndLaterZstdLoadsWithoutAWarning() throws IOException {
        Path javaHome = installedJavaHome(24).orElse(null);
        assumeTrue(javaHome != null, "no Java 24 or later under /usr/lib/jvm");
        Path home = unpack();
        String path = javaHome.resolve("bin") + ":" + System.getenv("PATH");
        // warm-up compresses and decompresses with zstd (and gzip) in a temp directory
        ChildProcess.Result run = ChildProcess.run(List.of(home.resolve("bin/pgnest").toString(), "warm-up"),
                Map.of("PATH", path), dir, Duration.ofMinutes(2));
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stderr()).as(javaHome + " " + run.describe()).doesNotContain("WARNING");
    }

    private Path unpack() throws IOException {
        Path tarball;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            tarball = files.filter(f -> f.getFileName().toString().matches("pgnest-.+\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/pgnest-*.tar.gz: run ./mvnw package first"));
        }
        ChildProcess.Result untar = ChildProcess.run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString()),
                Map.of(), dir, Duration.ofMinutes(2));
        assertThat(untar.exitCode()).as(untar.describe()).isZero();
        try (Stream<Path> top = Files.list(dir)) {
            return top.filter(p -> p.getFileName().toString().startsWith("pgnest-")).findFirst().orElseThrow();
        }
    }

    /** A JDK or JRE under /usr/lib/jvm of at least {@code feature}, read from its release file. */
    private static Optional<Path> installedJavaHome(int feature) throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        Pattern version = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path release = home.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))) {
                    Matcher m = version.matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) >= feature) {
                        return Optional.of(home);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
