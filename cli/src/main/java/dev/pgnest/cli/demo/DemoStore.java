package dev.pgnest.cli.demo;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.LocalS3Server;
import dev.pgnest.config.PgnestException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The demo's S3-compatible store. S3Proxy and its tree (Jetty, Guava, an Azure SDK…) are 45 MB
 * that no other command needs, so they ship as their own jar, {@code pgnest-demo.jar}, loaded
 * here only: from the class path when it is there (tests), else from
 * {@value #JAR_PROPERTY}, else next to pgnest.jar, else from the checkout's demo/target.
 */
final class DemoStore {
    /** System property naming the pgnest-demo jar. */
    static final String JAR_PROPERTY = "pgnest.demo.jar";
    static final String JAR_NAME = "pgnest-demo.jar";

    private DemoStore() {
    }

    /** A store keeping its buckets as directories under {@code directory}. */
    static LocalS3Server onDirectory(Path directory) {
        return factory().onDirectory(directory);
    }

    private static LocalS3Server.Factory factory() {
        ClassLoader own = DemoStore.class.getClassLoader();
        Optional<LocalS3Server.Factory> onClassPath = ServiceLoader.load(LocalS3Server.Factory.class, own).findFirst();
        if (onClassPath.isPresent()) {
            return onClassPath.get();
        }
        List<Path> candidates = candidates();
        for (Path jar : candidates) {
            if (Files.isRegularFile(jar)) {
                try {
                    // left open: the store serves until the demo's JVM exits
                    URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, own);
                    Optional<LocalS3Server.Factory> found = ServiceLoader.load(LocalS3Server.Factory.class, loader).findFirst();
                    if (found.isPresent()) {
                        return found.get();
                    }
                } catch (MalformedURLException e) {
                    // not a usable path; try the next
                }
            }
        }
        throw new PgnestException(ErrorKind.CONFIG, "the demo's S3-compatible store is not installed: no " + JAR_NAME
                + " in " + candidates, "build it in a checkout (./mvnw -B -q -DskipTests -pl demo -am package; ./pgnest does), "
                + "use docker/Dockerfile's demo image (the .deb and the tarball leave it out), or point -D" + JAR_PROPERTY + " at one");
    }

    private static List<Path> candidates() {
        List<Path> paths = new ArrayList<>();
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            paths.add(Path.of(configured));
            return paths;
        }
        ownJarDirectory().ifPresent(dir -> {
            paths.add(dir.resolve(JAR_NAME));
            // a checkout: cli/target/pgnest.jar beside demo/target/pgnest-demo.jar
            Path checkout = dir.getParent() == null ? null : dir.getParent().getParent();
            if (checkout != null) {
                paths.add(checkout.resolve("demo").resolve("target").resolve(JAR_NAME));
            }
        });
        return paths;
    }

    private static Optional<Path> ownJarDirectory() {
        CodeSource source = DemoStore.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return Optional.empty();
        }
        try {
            Path location = Path.of(source.getLocation().toURI()).toAbsolutePath();
            return Optional.ofNullable(Files.isDirectory(location) ? location : location.getParent());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
