package dev.pgnest.postgres;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL's programs for backups: where they are (the configuration module decides), their
 * versions, and running short ones with their output captured.
 */
public final class PgBinaries {
    private PgBinaries() {
    }

    /**
     * The program's path: {@code pg.bin-dir}'s when set, else detected — the configuration
     * module's one lookup ({@link dev.pgnest.config.PgBinaries}).
     *
     * @param binDir the configured directory, or null to detect
     * @throws PgnestException (CONFIG) naming where it looked and the setting to fix
     */
    public static Path find(Path binDir, String program) {
        return dev.pgnest.config.PgBinaries.in(binDir).program(program);
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

    /**
     * The major version in a {@code --version} line ({@code pg_dump (PostgreSQL) 15.18 (Debian ...)}),
     * in server_version_num form: 150000 for 15.x, 90600 for 9.6.x; -1 when there is none.
     */
    public static int majorVersionNum(String versionLine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?").matcher(versionLine);
        if (!m.find()) {
            return -1;
        }
        int major = Integer.parseInt(m.group(1));
        return major >= 10 ? major * 10000 : major * 10000 + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)) * 100);
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
}
