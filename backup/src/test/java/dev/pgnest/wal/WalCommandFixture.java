package dev.pgnest.wal;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import dev.pgnest.testing.ChildJvm;
import dev.pgnest.wal.fetch.WalFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code archive_command} / {@code restore_command} for integration tests of this module, which
 * cannot use the CLI jar (built after it): {@code java @argfile push %p} and
 * {@code java @argfile fetch %f %p}, calling the same {@link WalArchive} the CLI's
 * {@code wal push} / {@code wal fetch} call. The repository comes from a 0600 properties file,
 * so no secret is on a command line.
 */
public final class WalCommandFixture {

    private WalCommandFixture() {
    }

    public static void main(String[] args) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("pgnest.fixture.config")))) {
            p.load(in);
        } catch (IOException e) {
            System.err.println("fixture config: " + e);
            System.exit(2);
        }
        try (Storage storage = storage(p).open()) {
            Repository.open(storage);
            WalArchive archive = new WalArchive(storage, p.getProperty("target"), Compression.parse(p.getProperty("compression", "zstd")), 3);
            // the spool as the CLI resolves it: wal.spool-dir, here from the launcher's PGNEST_WAL_SPOOL_DIR
            Path spool = ConfigLoader.fromEnvironment().global().get(Settings.WAL_SPOOL_DIR).orElse(null);
            WalFetcher fetcher = new WalFetcher(archive, WalSpool.at(spool), Integer.parseInt(p.getProperty("prefetch", "0")), 4,
                    Duration.ofSeconds(Long.parseLong(p.getProperty("prefetch.idle-seconds", "5"))));
            switch (args[0]) {
                case "push" -> archive.push(Path.of(args[1]));
                case "fetch" -> fetcher.fetch(args[1], Path.of(args[2]), after -> launchPrefetcher(after, args.length));
                case "prefetch" -> fetcher.prefetch(args[1]);
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (PgnestException e) {
            System.err.println("pgnest: " + e.getMessage());
            System.exit(e.exitCode().status());
        }
        System.exit(0);
    }

    /** Re-runs this JVM's command line as {@code prefetch <after>}, detached from restore_command. */
    private static void launchPrefetcher(String after, int programArguments) throws IOException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> command = new ArrayList<>();
        command.add(info.command().orElseThrow());
        List<String> all = List.of(info.arguments().orElseThrow());
        // the JVM's own arguments (options, @argfile, main class) are all but this program's
        command.addAll(all.subList(0, all.size() - programArguments));
        command.add("prefetch");
        command.add(after);
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The configuration of a repository in {@code bucket} (created here) of {@code s3}, for {@code target}. */
    public static Properties s3Config(dev.pgnest.testing.S3Server s3, String bucket, String target) {
        s3.createBucket(bucket);
        Properties config = new Properties();
        config.setProperty("repo.type", "s3");
        config.setProperty("s3.endpoint", s3.endpoint().toString());
        config.setProperty("s3.bucket", bucket);
        config.setProperty("s3.accessKeyId", s3.accessKeyId());
        config.setProperty("s3.secretAccessKey", s3.secretAccessKey());
        config.setProperty("target", target);
        return config;
    }

    /** Opens the storage {@code config} describes, as the fixture does. */
    public static Storage open(Properties config) {
        return storage(config).open();
    }

    static StorageConfig storage(Properties p) {
        if (p.getProperty("repo.type").equals("fs")) {
            return new FsStorageConfig(Path.of(p.getProperty("repo.path")));
        }
        return S3StorageConfig.builder(p.getProperty("s3.bucket")).prefix(p.getProperty("s3.prefix", ""))
                .endpoint(URI.create(p.getProperty("s3.endpoint"))).region("us-east-1").pathStyle(true)
                .credentials(p.getProperty("s3.accessKeyId"), p.getProperty("s3.secretAccessKey")).build();
    }

    /**
     * Writes the config and an argfile (classpath of this JVM, fast-start flags) into {@code dir};
     * returns the command prefix for archive_command / restore_command.
     */
    public static String command(Path dir, Properties config) throws IOException {
        Path configFile = dir.resolve("fixture.properties");
        try (var out = Files.newOutputStream(configFile)) {
            config.store(out, null);
        }
        Files.setPosixFilePermissions(configFile, PosixFilePermissions.fromString("rw-------"));
        List<String> lines = new ArrayList<>();
        lines.add(ChildJvm.NATIVE_ACCESS);
        lines.add("-XX:TieredStopAtLevel=1");
        lines.add("-XX:+UseSerialGC");
        lines.add("-Xss512k");
        lines.add("-Dpgnest.fixture.config=" + configFile);
        lines.add("-cp");
        lines.add(System.getProperty("java.class.path"));
        lines.add(WalCommandFixture.class.getName());
        Path argfile = dir.resolve("fixture.args");
        Files.write(argfile, lines.stream().map(l -> "\"" + l.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList());
        return ChildJvm.java() + " @" + argfile;
    }
}
