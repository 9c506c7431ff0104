package dev.pgnest.cli;

import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Walks the code every command shares, touching nothing outside a temp directory and a closed
 * loopback port, so that the launcher can record the classes it loads in a class-data-sharing
 * archive ({@code -XX:ArchiveClassesAtExit}): each later pgnest start, and each archive_command
 * or restore_command that starts one, maps them instead of loading and verifying them again.
 */
@Command(name = "warm-up", hidden = true, description = "Load the classes of the common paths (for the launcher's CDS archive).")
public final class WarmUpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        spec.root().commandLine().getUsageMessage();
        Path dir = Files.createTempDirectory("pgnest-warm-up-");
        try (Storage fs = new FsStorageConfig(dir.resolve("repo")).open()) {
            Repository.init(fs);
            Repository.open(fs).catalog().backups("default");
            for (Compression c : new Compression[] {Compression.ZSTD, Compression.GZIP}) {
                ByteArrayOutputStream packed = new ByteArrayOutputStream();
                try (OutputStream out = c.compress(packed, 3, 0)) {
                    out.write(new byte[1 << 16]);
                }
                c.decompress(new ByteArrayInputStream(packed.toByteArray())).readAllBytes();
            }
            OutputOptions.mapper().writeValueAsString(Map.of("warm", java.time.Instant.now()));
            // S3 and JDBC up to the first connection attempt, which a closed port refuses at once
            try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
                int port = closed.getLocalPort();
                closed.close();
                try (Storage s3 = S3StorageConfig.builder("warm-up").endpoint(URI.create("http://127.0.0.1:" + port))
                        .region("us-east-1").pathStyle(true).credentials("warm", "up").maxAttempts(1).build().open()) {
                    s3.stat("nothing");
                } catch (RuntimeException expected) {
                    // refused: the point was loading the client
                }
                try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/warm?connectTimeout=1")) {
                    c.isValid(1);
                } catch (java.sql.SQLException expected) {
                    // refused, as intended
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return ExitCode.OK.status();
    }
}
