package dev.pgnest.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.postgres.ChildProcess.Stdin;
import dev.pgnest.postgres.ChildProcess.Stdout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ChildProcessTest {
    @Test
    void streamsStdinToStdout() throws Exception {
        try (ChildProcess.Running cat = ChildProcess.start(List.of("cat"), Map.of(), null, Stdin.PIPE, Stdout.PIPE, 1024)) {
            try (OutputStream in = cat.stdin()) {
                in.write("through cat\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("through cat\n");
            assertThat(cat.waitFor()).isZero();
            assertThat(cat.stderr()).isEmpty();
        }
    }

    @Test
    void failureNamesTheExitCodeAndStderrOnOneLine() throws Exception {
        try (ChildProcess.Running sh = ChildProcess.start(List.of("sh", "-c", "echo first >&2; echo '  second ' >&2; exit 3"),
                Map.of(), null, Stdin.NULL, Stdout.DISCARD, 1024)) {
            int exit = sh.waitFor();
            assertThat(exit).isEqualTo(3);
            assertThat(sh.failure("sh", exit)).isEqualTo("sh failed (exit 3): first | second");
        }
    }

    @Test
    void stderrKeepsOnlyItsLastBytes() throws Exception {
        try (ChildProcess.Running sh = ChildProcess.start(List.of("sh", "-c",
                        "head -c 100000 /dev/zero | tr '\\0' x >&2; echo >&2; echo last line >&2"),
                Map.of(), null, Stdin.NULL, Stdout.DISCARD, 1024)) {
            assertThat(sh.waitFor()).isZero();
            String tail = sh.stderr();
            assertThat(tail).startsWith("…x").endsWith("x\nlast line").hasSizeLessThanOrEqualTo(1 + 1024);
        }
    }

    @Test
    void aTimeoutKillsTheProgramAndItsChildren() throws Exception {
        try (ChildProcess.Running sh = ChildProcess.start(List.of("sh", "-c", "sleep 60 & echo $!; wait"),
                Map.of(), null, Stdin.NULL, Stdout.PIPE, 1024)) {
            long sleep = Long.parseLong(new BufferedReader(new InputStreamReader(sh.stdout(), StandardCharsets.UTF_8)).readLine());
            long started = System.nanoTime();
            OptionalInt exit = sh.waitFor(Duration.ofMillis(300));
            assertThat(exit).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertGone(sh.pid());
            assertGone(sleep);
        }
    }

    @Test
    void closingTheHandleKillsARunningProgram() throws Exception {
        long pid;
        try (ChildProcess.Running sleep = ChildProcess.start(List.of("sleep", "60"), Map.of(), null, Stdin.NULL, Stdout.DISCARD, 1024)) {
            pid = sleep.pid();
        }
        assertGone(pid);
    }

    @Test
    void aMissingProgramCannotStart() {
        assertThatThrownBy(() -> ChildProcess.start(List.of("/nonexistent/pg_dump"), Map.of(), null, Stdin.NULL, Stdout.PIPE, 1024))
                .isInstanceOf(IOException.class);
    }

    /** SIGKILL is delivered at once, but the process table entry goes when the parent reaps it. */
    private static void assertGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d alive", pid).isFalse();
    }
}
