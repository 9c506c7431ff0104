package dev.pgnest.postgres;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a PostgreSQL program (or any short command) to completion: an argument list, never a
 * shell; stdin from /dev/null; stdout and stderr captured; a timeout after which the process and
 * its descendants are killed. Programs that stream (pg_dump, pg_restore) are started by their
 * callers with {@link StreamCollector} draining stderr.
 *
 * <p>Output goes to temp files, not pipes: {@code pg_ctl start} leaves a postmaster behind that
 * inherits the descriptors and would keep a pipe open, hanging a reader forever.
 */
public final class ChildProcess {
    private ChildProcess() {
    }

    /** What a finished (or killed) program printed. {@code exitCode} is -1 when it timed out. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stdout then stderr, as a terminal would have shown them. */
        public String output() {
            return stderr.isBlank() ? stdout : stdout + stderr;
        }

        /** The command, its exit code and what it printed, for error messages. */
        public String describe() {
            String out = output();
            return String.join(" ", command) + " exited with " + exitCode + (out.isBlank() ? "" : ":\n" + out.strip());
        }
    }

    /**
     * Runs {@code command} in {@code workDir} (null: ours) with {@code environment} added to the
     * inherited one (the place for PGPASSWORD). The working directory matters under runuser: one
     * the server's user cannot enter makes psql and pg_ctl print warnings.
     *
     * @throws PgnestException (TOOL) when the program cannot be started at all
     */
    public static Result run(List<String> command, Map<String, String> environment, Path workDir, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("pgnest-cmd-", ".out");
            err = Files.createTempFile("pgnest-cmd-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            pb.environment().putAll(environment);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(command, -1, read(out), read(err) + "\n(" + command.get(0) + " timed out after " + timeout + ")");
            }
            return new Result(command, p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot run " + command.get(0) + ": " + e.getMessage(),
                    "check that PostgreSQL's programs are installed (pg.bin-dir)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while running " + command.get(0), "run it again");
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Whether the command runs and exits 0 within ten seconds (a probe: {@code unshare -U true}). */
    public static boolean succeeds(List<String> command) {
        try {
            return run(command, Map.of(), null, Duration.ofSeconds(10)).ok();
        } catch (PgnestException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
