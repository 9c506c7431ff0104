package dev.pgnest.cli;

import dev.pgnest.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * pgnest as its own JVM, from this module's test classpath: what PostgreSQL runs in
 * archive_command and restore_command, and long-running commands a test stops by killing.
 */
public final class CliProcess {
    /** The cheap start (C1 only, serial GC): these JVMs run briefly, one per WAL file or trial. */
    private static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private CliProcess() {
    }

    /** {@code java … dev.pgnest.cli.Pgnest args}, the class path on the command line: for a child a test kills. */
    public static List<String> inline(String... args) {
        return ChildJvm.command(FAST_START, Pgnest.class.getName(), args);
    }

    /** {@code java @<dir>/pgnest.args dev.pgnest.cli.Pgnest}: the argfile keeps the long classpath off the command line. */
    public static List<String> command(Path dir) {
        Path argfile = dir.resolve("pgnest.args");
        try {
            Files.writeString(argfile, ChildJvm.NATIVE_ACCESS + "\n" + String.join("\n", FAST_START) + "\n-cp\n\""
                    + System.getProperty("java.class.path") + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(ChildJvm.java(), "@" + argfile, Pgnest.class.getName());
    }

    /** {@link #command} as one shell command line, {@code env} assigned in front of it. */
    public static String shellCommand(Path dir, Map<String, String> env) {
        String assignments = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return (assignments.isEmpty() ? "" : assignments + " ") + String.join(" ", command(dir));
    }

    /** An executable script at {@code path} that runs pgnest with {@code env} and its own arguments. */
    public static Path script(Path path, Map<String, String> env) {
        try {
            Files.writeString(path, "#!/bin/sh\nexec env " + shellCommand(path.getParent(), env) + " \"$@\"\n");
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }
}
