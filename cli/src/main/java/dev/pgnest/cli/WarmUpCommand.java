package dev.pgnest.cli;

import dev.pgnest.postgres.Databases;
import dev.pgnest.backup.verify.BackupVerifier;
import dev.pgnest.backup.verify.VerifyResult;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.repository.PreparingBackup;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryCheck;
import dev.pgnest.repository.RepositoryFormat;
import dev.pgnest.repository.ToolVersion;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.sql.SQLException;
import java.text.Normalizer;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Walks the code every command shares, touching nothing outside a temp directory and loopback
 * ports (a closed one, and {@link WarmUpS3}'s), so that the launcher can record the classes it
 * loads in a class-data-sharing archive ({@code -XX:ArchiveClassesAtExit}): each later pgnest
 * start, and each archive_command or restore_command that starts one, maps them instead of
 * loading and verifying them again.
 */
@Command(name = "warm-up", hidden = true, description = "Load the classes of the common paths (for the launcher's CDS archive).")
public final class WarmUpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // the whole tree, not just this branch: every command's classes belong in the archive
        PgnestCommand.commandLine(Map.of(), Path.of("")).getUsageMessage();
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
            String s3Problem = backupToS3();
            if (s3Problem != null) {
                spec.commandLine().getErr().println("warm-up: the S3 part failed, its classes stay out of the archive: "
                        + s3Problem);
            }
            // JDBC: no server to talk to here, so the driver's classes are loaded by name (a real
            // connection loads some 200 of them, SCRAM's among them); then the first connection
            // attempt, which a closed port refuses at once
            loadClasses(org.postgresql.Driver.class, "org/postgresql/");
            SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec("warm".toCharArray(), new byte[16], 16, 256));
            Normalizer.normalize("warm-up", Normalizer.Form.NFKC);
            try (ServerSocket closed = new ServerSocket(0)) {
                int port = closed.getLocalPort();
                closed.close();
                try (var c = Databases.open("jdbc:postgresql://127.0.0.1:" + port + "/warm?connectTimeout=1", null, null, null, Map.of())) {
                    c.isValid(1);
                } catch (SQLException expected) {
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

    /**
     * Loads (without initializing) every class under {@code prefix} in the jar that holds
     * {@code anchor}; a class that cannot be linked here (an optional dependency missing) is
     * left out, as it would be at run time.
     */
    private static void loadClasses(Class<?> anchor, String prefix) {
        CodeSource source = anchor.getProtectionDomain().getCodeSource();
        if (source == null || !source.getLocation().getPath().endsWith(".jar")) {
            return;
        }
        try (JarFile jar = new JarFile(new File(source.getLocation().toURI()))) {
            ClassLoader loader = anchor.getClassLoader();
            jar.stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith(prefix) && n.endsWith(".class") && !n.contains("-"))
                    .forEach(n -> {
                        try {
                            Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);
                        } catch (Throwable unlinkable) {
                            // not loadable here: not archived either
                        }
                    });
        } catch (Exception e) {
            // no archive entries from this jar; the classes load from it at run time as before
        }
    }

    /**
     * A small backup into {@link WarmUpS3}, listed and verified: every request a logical backup
     * makes, answered, so that what handles the answers is archived too. Returns what went
     * wrong, or null: failing here only leaves those classes out of the archive.
     */
    private static String backupToS3() {
        try (WarmUpS3 s3 = new WarmUpS3();
             Storage storage = S3StorageConfig.builder("warm-up").endpoint(s3.endpoint()).region("us-east-1")
                     .pathStyle(true).credentials("warm", "up").maxAttempts(1).partSize(5L << 20).build().open()) {
            Repository.init(storage);
            BackupManifest manifest;
            try (PreparingBackup backup = PreparingBackup.start(() -> Repository.open(storage), "default",
                    BackupKind.LOGICAL, 32L << 20)) {
                BackupObjectOutput out = backup.newObject("dump.pgdump", Compression.ZSTD,
                        Compression.ZSTD.defaultLevel(), 0);
                // incompressible, so that the object takes two parts
                Random random = new Random(1);
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < 6; i++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                }
                BackupObject object = out.finish();
                PendingBackup begun = backup.await();
                manifest = backup.commit(new BackupManifest(RepositoryFormat.CURRENT, begun.id(), BackupKind.LOGICAL,
                        "default", begun.startTime(), Instant.now(), ToolVersion.current(),
                        new BackupManifest.PostgresInfo("15.0", 150000, "0"), null, List.of(), List.of(),
                        Compression.ZSTD, "none", List.of(object),
                        new BackupManifest.LogicalInfo("warm", "custom", "pg_dump (PostgreSQL) 15.0", 0L), null));
            }
            OutputOptions.mapper().writeValueAsString(manifest);
            Repository repository = Repository.open(storage);
            repository.catalog().listing("default");
            RepositoryCheck.cleanTarget(repository, "default");
            VerifyResult verified = new BackupVerifier(repository, null).verify("default", manifest.id(), false);
            return verified.ok() ? null : "verify: " + verified;
        } catch (Exception | LinkageError e) {
            // LinkageError: a runtime without the jdk.httpserver module
            return e.toString();
        }
    }
}
