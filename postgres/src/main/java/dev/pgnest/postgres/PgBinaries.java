package dev.pgnest.postgres;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * PostgreSQL's programs (pg_dump, pg_restore, initdb, pg_ctl, postgres, psql…) of one
 * installation: a bin directory given by the caller or by {@code pg.bin-dir}, Debian's
 * {@code /usr/lib/postgresql/<major>/bin} for a given major, else the newest Debian one, else PATH.
 * A value: hand it to whatever runs a program or a server.
 */
public final class PgBinaries {
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    /** Programs that must match the data files' major; never taken from another installation. */
    private static final java.util.Set<String> SERVER_PROGRAMS = java.util.Set.of("postgres", "pg_ctl", "initdb",
            "pg_controldata", "pg_resetwal", "pg_rewind", "pg_waldump", "pg_checksums");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private final Path binDir;
    /** {@code pg.server-bin-dirs}: servers of other majors, for restores of their backups. */
    private final List<Path> serverDirs;
    /** Where programs this installation lacks come from (a server-only build has no psql), or null. */
    private final PgBinaries clients;

    private PgBinaries(Path binDir, List<Path> serverDirs, PgBinaries clients) {
        this.binDir = binDir;
        this.serverDirs = List.copyOf(serverDirs);
        this.clients = clients;
    }

    private PgBinaries(Path binDir) {
        this(binDir, List.of(), null);
    }

    /**
     * The programs {@code pg.bin-dir} names, or the detected ones when it is not set, with
     * {@code pg.server-bin-dirs} as the servers of other majors.
     */
    public static PgBinaries of(PgnestConfig config) {
        return new PgBinaries(config.global().get(Settings.PG_BIN_DIR).orElse(null),
                config.global().get(Settings.PG_SERVER_BIN_DIRS).orElse(List.of()).stream().map(Path::of).toList(), null);
    }

    /** Programs from the given directory; null means the default search. */
    public static PgBinaries in(Path binDir) {
        return new PgBinaries(binDir);
    }

    /** These programs, with {@code dirs} as the servers of other majors ({@code pg.server-bin-dirs}). */
    public PgBinaries withServerDirs(List<Path> dirs) {
        return new PgBinaries(binDir, dirs, clients);
    }

    /** The programs of PostgreSQL {@code major} as Debian installs them ({@code /usr/lib/postgresql/<major>/bin}). */
    public static PgBinaries ofMajor(int major) {
        return new PgBinaries(DEBIAN_ROOT.resolve(Integer.toString(major)).resolve("bin"));
    }

    /**
     * The server programs to start a restored cluster of PostgreSQL {@code major} with: the
     * {@code configured} ones ({@code pg.bin-dir}, or the detected ones) when they are of that
     * major, else Debian's {@code /usr/lib/postgresql/<major>/bin}, else the first of
     * {@code pg.server-bin-dirs} whose {@code pg_ctl} and {@code postgres} are of that major. A
     * server of another major is never chosen: the data files of one major do not start under
     * another's server.
     *
     * @param major      the major of the server the backup was taken from (15; 9 for 9.x)
     * @param configured the programs configured for this run
     * @throws PgnestException (USAGE) naming the major and where it looked, before anything is touched
     */
    public static PgBinaries forServerMajor(int major, PgBinaries configured) {
        return forServerMajor(major, configured, DEBIAN_ROOT);
    }

    static PgBinaries forServerMajor(int major, PgBinaries configured, Path debianRoot) {
        String where = configured.binDir != null ? "pg.bin-dir " + configured.binDir
                : "the detected programs in " + configured.directory().map(Path::toString).orElse("PATH");
        String configuredHolds;
        try {
            int configuredMajor = configured.major();
            if (configuredMajor == major) {
                return configured;
            }
            configuredHolds = where + " holds PostgreSQL " + configuredMajor;
        } catch (PgnestException e) {
            configuredHolds = where + " holds no PostgreSQL whose version pgnest can read";
        }
        Path debian = debianRoot.resolve(Integer.toString(major)).resolve("bin");
        List<String> looked = new java.util.ArrayList<>(List.of(configuredHolds));
        for (Path dir : java.util.stream.Stream.concat(Stream.of(debian), configured.serverDirs.stream()).toList()) {
            String holds;
            if (!Files.isDirectory(dir)) {
                holds = dir + " does not exist";
            } else if (!Files.isExecutable(dir.resolve("pg_ctl")) || !Files.isExecutable(dir.resolve("postgres"))) {
                holds = dir + " has no server programs (pg_ctl, postgres)";
            } else {
                // its client programs (psql) where it has none: any client talks to any server
                PgBinaries candidate = new PgBinaries(dir, configured.serverDirs, configured);
                int found;
                try {
                    found = candidate.major();
                } catch (PgnestException e) {
                    found = -1;
                }
                if (found == major) {
                    return candidate;
                }
                holds = dir + (found < 0 ? " holds no PostgreSQL whose version pgnest can read" : " holds PostgreSQL " + found);
            }
            looked.add(dir.equals(debian) || configured.serverDirs.isEmpty() ? holds : "pg.server-bin-dirs' " + holds);
        }
        if (configured.serverDirs.isEmpty()) {
            looked.add("pg.server-bin-dirs is not set");
        }
        throw new PgnestException(ErrorKind.USAGE, "the backup is of PostgreSQL " + major + ", but "
                + String.join(", ", looked.subList(0, looked.size() - 1)) + " and " + looked.get(looked.size() - 1),
                "install postgresql-" + major + ", or add PostgreSQL " + major + "'s bin directory to pg.server-bin-dirs "
                + "(PGNEST_PG_SERVER_BIN_DIRS)");
    }

    /** The major of a {@code server_version_num} (150008 is 15, 90624 is 9). */
    public static int majorOf(int versionNum) {
        return versionNum / 10000;
    }

    /**
     * The server programs to run a cluster of one's own with (the demo): the newest Debian
     * installation that has {@code initdb} and {@code postgres}, else the default search.
     */
    public static PgBinaries newestServer() {
        if (Files.isDirectory(DEBIAN_ROOT)) {
            try (Stream<Path> majors = Files.list(DEBIAN_ROOT)) {
                Optional<Path> bin = majors.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .map(p -> p.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                        .max(Comparator.comparingDouble(b -> Double.parseDouble(b.getParent().getFileName().toString())));
                if (bin.isPresent()) {
                    return new PgBinaries(bin.get());
                }
            } catch (IOException e) {
                // the default search below says what is missing
            }
        }
        return new PgBinaries(null);
    }

    /**
     * The program's path: {@code binDir}'s when set, else detected.
     *
     * @param binDir the configured directory, or null to detect
     * @throws PgnestException (CONFIG) naming where it looked and the setting to fix
     */
    public static Path find(Path binDir, String program) {
        return in(binDir).program(program);
    }

    /** The program's path, or a configuration error that says how to get it. */
    public Path program(String name) {
        if (binDir != null) {
            Path p = binDir.resolve(name);
            if (Files.isExecutable(p)) {
                return p;
            }
            if (clients != null && !SERVER_PROGRAMS.contains(name)) {
                return clients.program(name);
            }
            throw new PgnestException(ErrorKind.CONFIG, name + " not found in " + binDir + " (PGNEST_PG_BIN_DIR)",
                    "point PGNEST_PG_BIN_DIR at the bin directory of the PostgreSQL version you use");
        }
        return newestDebianBin().map(d -> d.resolve(name)).filter(Files::isExecutable)
                .or(() -> onPath(name))
                .orElseThrow(() -> new PgnestException(ErrorKind.CONFIG, name + " not found in /usr/lib/postgresql/*/bin nor on PATH",
                        "install the PostgreSQL client programs (apt-get install postgresql-client-15) or set PGNEST_PG_BIN_DIR"));
    }

    /** Whether this installation has the program. */
    public boolean has(String name) {
        try {
            program(name);
            return true;
        } catch (PgnestException e) {
            return false;
        }
    }

    /** The bin directory that would be used, for messages and manifests. */
    public Optional<Path> directory() {
        return binDir != null ? Optional.of(binDir) : newestDebianBin();
    }

    /**
     * The major version of these programs (15, 9.6 as 9), from the {@code --version} of
     * {@code postgres}, {@code pg_ctl} or {@code pg_dump}, whichever there is.
     */
    public int major() {
        for (String name : List.of("postgres", "pg_ctl", "pg_dump")) {
            if (has(name)) {
                int num = majorVersionNum(version(program(name)));
                if (num > 0) {
                    return num / 10000;
                }
            }
        }
        throw new PgnestException(ErrorKind.CONFIG, "cannot tell the PostgreSQL version of " + directory().map(Path::toString).orElse("PATH"),
                "point PGNEST_PG_BIN_DIR at the bin directory of a PostgreSQL installation");
    }

    /** {@code program --version}'s first line, e.g. {@code pg_dump (PostgreSQL) 15.8}. */
    public static String version(Path program) {
        ChildProcess.Result r = ChildProcess.run(List.of(program.toString(), "--version"), Map.of(), null, Duration.ofSeconds(30));
        if (!r.ok()) {
            throw new PgnestException(ErrorKind.TOOL, program + " --version failed (exit " + r.exitCode() + "): " + r.stderr().strip(),
                    "check the PostgreSQL installation, or set pg.bin-dir to a working one");
        }
        return r.stdout().lines().findFirst().orElse("").strip();
    }

    /**
     * The major version in a {@code --version} line ({@code pg_dump (PostgreSQL) 15.18 (Debian ...)}),
     * in server_version_num form: 150000 for 15.x, 90600 for 9.6.x; -1 when there is none.
     */
    public static int majorVersionNum(String versionLine) {
        Matcher m = VERSION.matcher(versionLine);
        if (!m.find()) {
            return -1;
        }
        int major = Integer.parseInt(m.group(1));
        return major >= 10 ? major * 10000 : major * 10000 + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)) * 100);
    }

    @Override
    public String toString() {
        return "PostgreSQL programs in " + directory().map(Path::toString).orElse("PATH");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgBinaries other && java.util.Objects.equals(binDir, other.binDir)
                && serverDirs.equals(other.serverDirs);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(binDir, serverDirs);
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
