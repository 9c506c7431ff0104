package dev.pgnest.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's programs (pg_dump, pg_restore, pg_ctl, initdb…): in {@code pg.bin-dir}
 * when set, else in the newest {@code /usr/lib/postgresql/<major>/bin} (Debian's layout),
 * else on PATH.
 */
public final class PgBinaries {
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    private final Path binDir;

    private PgBinaries(Path binDir) {
        this.binDir = binDir;
    }

    public static PgBinaries of(PgnestConfig config) {
        return new PgBinaries(config.global().get(Settings.PG_BIN_DIR).orElse(null));
    }

    /** Programs from the given directory; null means the default search. */
    public static PgBinaries in(Path binDir) {
        return new PgBinaries(binDir);
    }

    /** The program's path, or a configuration error that says how to get it. */
    public Path program(String name) {
        if (binDir != null) {
            Path p = binDir.resolve(name);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new PgnestException(ErrorKind.CONFIG, name + " not found in " + binDir + " (PGNEST_PG_BIN_DIR)",
                    "point PGNEST_PG_BIN_DIR at the bin directory of the PostgreSQL version you use");
        }
        return newestDebianBin().map(d -> d.resolve(name)).filter(Files::isExecutable)
                .or(() -> onPath(name))
                .orElseThrow(() -> new PgnestException(ErrorKind.CONFIG, name + " not found in /usr/lib/postgresql/*/bin nor on PATH",
                        "install the PostgreSQL client programs (apt-get install postgresql-client-15) or set PGNEST_PG_BIN_DIR"));
    }

    /** The bin directory that would be used, for messages and manifests. */
    public Optional<Path> directory() {
        return binDir != null ? Optional.of(binDir) : newestDebianBin();
    }

    private static Optional<Path> newestDebianBin() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> majors = Files.list(DEBIAN_ROOT)) {
            return majors.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(p -> Files.isDirectory(p.resolve("bin")))
                    .max(Comparator.comparingDouble(p -> Double.parseDouble(p.getFileName().toString())))
                    .map(p -> p.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir).resolve(name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
