package dev.pgnest.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Facts about the OS user the tests run as, probed once per JVM. */
final class OsUser {

    private static volatile Boolean root;
    private static volatile Boolean userNamespaces;

    private OsUser() {
    }

    static boolean isRoot() {
        Boolean cached = root;
        if (cached == null) {
            cached = probeRoot();
            root = cached;
        }
        return cached;
    }

    /** Whether {@code unshare -U} works here (containers may forbid user namespaces). */
    static boolean userNamespacesWork() {
        Boolean cached = userNamespaces;
        if (cached == null) {
            cached = probe(List.of("unshare", "-U", "true"));
            userNamespaces = cached;
        }
        return cached;
    }

    private static boolean probeRoot() {
        try {
            Path out = Files.createTempFile("pgnest-id-", ".txt");
            try {
                ChildProcess.Result result = ChildProcess.run(List.of("id", "-u"), out, Duration.ofSeconds(10));
                if (result.ok()) {
                    return result.output().strip().equals("0");
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the property, which is right unless setuid games are played
        }
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean probe(List<String> command) {
        try {
            Path out = Files.createTempFile("pgnest-probe-", ".txt");
            try {
                return ChildProcess.run(command, out, Duration.ofSeconds(10)).ok();
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
