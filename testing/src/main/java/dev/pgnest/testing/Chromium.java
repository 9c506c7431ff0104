package dev.pgnest.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's chromium, headless: the DOM of a page after it loaded, as an operator's browser renders it. */
public final class Chromium {
    private Chromium() {
    }

    /** The installed chromium, or null (apt-get install -y chromium). */
    public static Path find() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    /** For people: a PNG of what an operator sees. */
    public static void screenshot(Path chromium, String url, Path png) throws Exception {
        Path profile = Files.createTempDirectory("pgnest-chromium-");
        try {
            Process p = new ProcessBuilder(command(chromium, profile, "--hide-scrollbars", "--window-size=1100,1300",
                    "--screenshot=" + png.toAbsolutePath(), url))
                    .redirectErrorStream(true).redirectOutput(profile.resolve("out.txt").toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } finally {
            delete(profile);
        }
    }

    /** The DOM after load; fails unless it contains {@code expected}. */
    public static String dumpDom(Path chromium, String url, String expected) throws Exception {
        Path profile = Files.createTempDirectory("pgnest-chromium-");
        try {
            ProcessBuilder pb = new ProcessBuilder(command(chromium, profile, "--dump-dom", url));
            pb.redirectError(profile.resolve("stderr.txt").toFile());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish within 60 s");
            }
            String dom = new String(out, StandardCharsets.UTF_8);
            if (!dom.contains(expected)) {
                throw new AssertionError("chromium's DOM lacks " + expected + " (stderr: "
                        + Files.readString(profile.resolve("stderr.txt")) + "): " + dom);
            }
            return dom;
        } finally {
            delete(profile);
        }
    }

    private static List<String> command(Path chromium, Path profile, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        return command;
    }

    private static void delete(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
