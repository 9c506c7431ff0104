package dev.pgnest.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM on the running test's class path, as tests start pgnest (or a fixture) in a child
 * process: to kill it, to read its exit code and stderr, or for PostgreSQL to run it.
 */
public final class ChildJvm {
    /**
     * Java 24 and later print WARNING lines on stderr when zstd-jni loads its native library
     * without native access granted (JEP 472), ahead of the error line a test reads. The runnable
     * jar's manifest grants it; a class-path run must say so (accepted since Java 17).
     */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private ChildJvm() {
    }

    /** The running JVM's java executable. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java NATIVE_ACCESS <options> -cp <this class path> <mainClass> <args>}. */
    public static List<String> command(List<String> options, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), NATIVE_ACCESS));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }
}
