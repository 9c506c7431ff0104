package dev.pgnest.postgres;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's programs (pg_dump, pg_restore, pg_basebackup…): the configured bin
 * directory, else the newest {@code /usr/lib/postgresql/<major>/bin} (Debian/Ubuntu layout),
 * else {@code PATH}.
 */
public final class PgBinaries {
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private PgBinaries() {
    }

    /**
     * The program's path.
     *
     * @param binDir the configured directory, or null to detect
     * @throws PgnestException (CONFIG) naming where it looked and the setting to fix
     */
    public static Path find(Path binDir, String program) {
        if (binDir != null) {
            Path p = binDir.resolve(program);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new PgnestException(ErrorKind.CONFIG, program + " not found in " + binDir,
                    "set pg.bin-dir (PGNEST_PG_BIN_DIR) to the directory of PostgreSQL's client programs");
        }
        Optional<Path> debian = newestDebianBinDir(program);
        if (debian.isPresent()) {
            return debian.get().resolve(program);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new PgnestException(ErrorKind.CONFIG,
                program + " not found in /usr/lib/postgresql/<major>/bin nor on PATH",
                "install the PostgreSQL client programs, or set pg.bin-dir (PGNEST_PG_BIN_DIR) to their directory");
    }

    /** {@code program --version}'s first line, e.g. {@code pg_dump (PostgreSQL) 15.8}. */
    public static String version(Path program) {
        Result r = run(List.of(program.toString(), "--version"), Map.of(), 30);
        if (r.exitCode() != 0) {
            throw new PgnestException(ErrorKind.TOOL, program + " --version failed (exit " + r.exitCode() + "): " + r.stderr(),
                    "check the PostgreSQL installation, or set pg.bin-dir to a working one");
        }
        return r.stdout().lines().findFirst().orElse("").strip();
    }

    /** The major version in a {@code --version} line (15 for 15.8, 9 for 9.6.24), or -1. */
    public static int major(String versionLine) {
        Matcher m = VERSION.matcher(versionLine);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Output of a short-lived program. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs a short program to completion (argument list, never a shell), capturing both
     * streams. {@code environment} is added to the inherited one — the place for PGPASSWORD.
     */
    public static Result run(List<String> command, Map<String, String> environment, int timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            StreamCollector err = StreamCollector.start(p.getErrorStream(), 64 * 1024);
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PgnestException(ErrorKind.TOOL, command.get(0) + " did not finish within " + timeoutSeconds + " s",
                        "check the database host and network");
            }
            return new Result(p.exitValue(), out, err.text());
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot run " + command.get(0) + ": " + e.getMessage(),
                    "check the PostgreSQL installation, or set pg.bin-dir");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while running " + command.get(0), "");
        }
    }

    private static Optional<Path> newestDebianBinDir(String program) {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(DEBIAN_ROOT)) {
            List<Path> candidates = new ArrayList<>();
            dirs.filter(d -> d.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(d -> Files.isExecutable(d.resolve("bin").resolve(program)))
                    .forEach(candidates::add);
            return candidates.stream()
                    .max(Comparator.comparingDouble(d -> Double.parseDouble(d.getFileName().toString())))
                    .map(d -> d.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
