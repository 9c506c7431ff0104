package dev.pgnest.postgres;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The one place pgnest starts child processes (PostgreSQL's programs, keytool, pgnest itself):
 * an argument list, never a shell; stderr captured for the error message; a timeout kills the
 * process and its descendants.
 * <ul>
 *   <li>{@link #run} runs a program to completion, stdout and stderr captured;</li>
 *   <li>{@link #start} starts one that streams (pg_dump, pg_basebackup, pg_restore): its stdin and
 *   stdout are the caller's to write and read, its stderr is drained into a bounded tail;</li>
 *   <li>{@link #startDetached} starts one that outlives us (the WAL prefetcher).</li>
 * </ul>
 *
 * <p>{@link #run} sends output to temp files, not pipes: {@code pg_ctl start} leaves a postmaster
 * behind that inherits the descriptors and would keep a pipe open, hanging a reader forever.
 */
public final class ChildProcess {
    private static final File DEV_NULL = new File("/dev/null");

    private ChildProcess() {
    }

    /** A streaming child's stdin: /dev/null, or a pipe the caller writes ({@link Running#stdin()}). */
    public enum Stdin { NULL, PIPE }

    /** A streaming child's stdout: discarded, or a pipe the caller reads ({@link Running#stdout()}). */
    public enum Stdout { DISCARD, PIPE }

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
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            pb.environment().putAll(environment);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p);
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

    /**
     * Starts {@code command} (environment and working directory as for {@link #run}) for the
     * caller to stream to and from; stderr is drained on its own thread, so the child never blocks
     * on a full pipe, and its last {@code stderrTail} bytes are kept for the error message. Close
     * the handle (try-with-resources): a child still running then is killed, with its descendants.
     *
     * @throws IOException when the program cannot be started; callers say what that means
     */
    public static Running start(List<String> command, Map<String, String> environment, Path workDir,
                                Stdin stdin, Stdout stdout, int stderrTail) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (stdin == Stdin.NULL) {
            pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        }
        if (stdout == Stdout.DISCARD) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(environment);
        Process process = pb.start();
        return new Running(process, new StderrTail(process.getErrorStream(), stderrTail, command.get(0)));
    }

    /**
     * Starts {@code command} to run on after we exit, with nothing to read or write: stdin from
     * /dev/null, stdout and stderr discarded. Nobody waits for it.
     */
    public static void startDetached(List<String> command) throws IOException {
        new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** A streaming child (see {@link #start}). */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final StderrTail stderr;

        private Running(Process process, StderrTail stderr) {
            this.process = process;
            this.stderr = stderr;
        }

        public long pid() {
            return process.pid();
        }

        /** The child's stdin, when started with {@link Stdin#PIPE}; closing it ends the child's input. */
        public OutputStream stdin() {
            return process.getOutputStream();
        }

        /** The child's stdout as the JDK gives it (no extra buffer), when started with {@link Stdout#PIPE}. */
        public InputStream stdout() {
            return process.getInputStream();
        }

        /** Waits for the exit code; an interrupt kills the child (and its descendants) and is rethrown. */
        public int waitFor() throws InterruptedException {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                kill();
                throw e;
            }
        }

        /**
         * The exit code, or empty when the child did not exit within {@code timeout}: then it and
         * its descendants have been killed. An interrupt kills them too and is rethrown.
         */
        public OptionalInt waitFor(Duration timeout) throws InterruptedException {
            try {
                if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    return OptionalInt.of(process.exitValue());
                }
            } catch (InterruptedException e) {
                kill();
                throw e;
            }
            kill();
            return OptionalInt.empty();
        }

        /** Kills the child and its descendants (SIGKILL) and waits a moment for them to go. */
        public void kill() {
            killTree(process);
        }

        /**
         * The last bytes the child wrote to stderr, trimmed ({@code …} in front when cut), once
         * stderr has ended (at most ten seconds after the child's exit).
         */
        public String stderr() {
            return stderr.text();
        }

        /** {@link #stderr()} on one line, its lines joined with {@code " | "}. */
        public String stderrLine() {
            return stderr().replaceAll("\\s*\\R\\s*", " | ");
        }

        /** {@code "<what> failed (exit <code>): <stderr on one line>"}, the form of pgnest's messages about programs. */
        public String failure(String what, int exitCode) {
            return what + " failed (exit " + exitCode + "): " + stderrLine();
        }

        /** Kills the child if it still runs. */
        @Override
        public void close() {
            if (process.isAlive()) {
                kill();
            }
        }
    }

    /**
     * Drains a child's stderr on its own thread and keeps the last {@code limit} bytes in a ring.
     */
    private static final class StderrTail {
        private final Thread thread;
        private final byte[] tail;
        private long total;

        StderrTail(InputStream in, int limit, String program) {
            this.tail = new byte[limit];
            this.thread = new Thread(() -> drain(in), "pgnest-stderr-" + Path.of(program).getFileName());
            thread.setDaemon(true);
            thread.start();
        }

        private void drain(InputStream in) {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (this) {
                        for (int i = 0; i < n; i++) {
                            tail[(int) (total++ % tail.length)] = buf[i];
                        }
                    }
                }
            } catch (IOException e) {
                // the child went away; what was read is what there is
            }
        }

        String text() {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                int len = (int) Math.min(total, tail.length);
                byte[] out = new byte[len];
                long start = total - len;
                for (int i = 0; i < len; i++) {
                    out[i] = tail[(int) ((start + i) % tail.length)];
                }
                String s = new String(out, StandardCharsets.UTF_8).strip();
                return total > tail.length ? "…" + s : s;
            }
        }
    }

    /** Descendants first: once the parent is gone they are re-parented and no longer its descendants. */
    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
