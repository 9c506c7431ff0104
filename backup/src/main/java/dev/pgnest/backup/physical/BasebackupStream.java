package dev.pgnest.backup.physical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.wal.Lsn;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A base backup over the network: {@code pg_basebackup -D - -Ft -X none} writes one tar to
 * stdout, which is split, as it arrives, into the same bundles and objects a local backup
 * writes. No temporary file; WAL comes from the archive, as for every pgnest backup.
 * pg_basebackup cannot stream a cluster with tablespaces as one tar, so neither can this.
 *
 * <p>Without WAL in the backup pg_basebackup does not print its start and end locations; they
 * come from the {@code backup_manifest} it appends to the tar (PostgreSQL 13 and newer), whose
 * {@code WAL-Ranges} the server computed. The manifest itself is not restored into the data
 * directory (PostgreSQL never copies one there either).
 */
final class BasebackupStream {
    private static final Logger LOG = LoggerFactory.getLogger(BasebackupStream.class);
    private static final String MANIFEST = "backup_manifest";
    private static final int STDERR_LIMIT = 64 * 1024;

    record Outcome(Lsn startLsn, Lsn stopLsn, int timeline, List<PhysicalFiles.FileEntry> files, List<String> directories) {
    }

    private final DatabaseConnection db;
    private final PhysicalBackup.Options options;
    private final PendingBackup pending;

    BasebackupStream(DatabaseConnection db, PhysicalBackup.Options options, PendingBackup pending) {
        this.db = db;
        this.options = options;
        this.pending = pending;
    }

    Outcome run(String label) {
        List<String> command = List.of(options.binaries().program("pg_basebackup").toString(),
                "-h", db.host(), "-p", Integer.toString(db.port()), "-U", db.user(), "-w",
                "-D", "-", "-F", "t", "-X", "none", "--manifest-checksums=NONE", "-v",
                "-c", options.fastCheckpoint() ? "fast" : "spread", "-l", label);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(db.libpqEnvironment());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot start pg_basebackup: " + e.getMessage(),
                    "install the PostgreSQL client programs or set pg.bin-dir", e);
        }
        StringBuilder stderr = new StringBuilder();
        Thread errReader = new Thread(() -> collect(process.getErrorStream(), stderr), "pgnest-pg_basebackup-stderr");
        errReader.setDaemon(true);
        errReader.start();
        List<PhysicalFiles.FileEntry> files = new ArrayList<>();
        List<String> directories = new ArrayList<>();
        byte[][] manifest = new byte[1][];
        try {
            split(process.getInputStream(), files, directories, stderr, manifest);
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new PgnestException(ErrorKind.TOOL, "pg_basebackup did not exit after sending its data", "see the server log");
            }
            errReader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new PgnestException(ErrorKind.INTERRUPTED, "physical backup interrupted", "run it again");
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        String err;
        synchronized (stderr) {
            err = stderr.toString();
        }
        if (process.exitValue() != 0) {
            throw new PgnestException(ErrorKind.TOOL, "pg_basebackup failed (exit " + process.exitValue() + "): " + lastLines(err),
                    err.contains("tablespace") ? "a cluster with tablespaces needs the local data directory (method files)"
                            : "check that the user has the REPLICATION attribute, pg_hba.conf allows a replication "
                            + "connection, and max_wal_senders > 0");
        }
        if (manifest[0] == null) {
            throw new PgnestException(ErrorKind.TOOL, "pg_basebackup sent no backup_manifest, so the backup's WAL range is unknown",
                    "the pg_basebackup method needs PostgreSQL 13 or newer on both ends; for older servers run pgnest "
                            + "on the database host (method files)");
        }
        return walRange(manifest[0], files, directories);
    }

    /** The WAL the backup needs, from the manifest's single WAL range (one timeline: no promotion during the backup). */
    private static Outcome walRange(byte[] manifest, List<PhysicalFiles.FileEntry> files, List<String> directories) {
        try {
            JsonNode ranges = new ObjectMapper().readTree(manifest).path("WAL-Ranges");
            if (ranges.size() != 1) {
                throw new PgnestException(ErrorKind.DATABASE, "the backup spans " + ranges.size() + " timelines",
                        "the server was promoted during the backup; take it again");
            }
            JsonNode r = ranges.get(0);
            return new Outcome(Lsn.parse(r.path("Start-LSN").asText()), Lsn.parse(r.path("End-LSN").asText()),
                    r.path("Timeline").asInt(), files, directories);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot read pg_basebackup's backup_manifest: " + e.getMessage(),
                    "report this with the PostgreSQL version", e);
        }
    }

    private void split(InputStream stdout, List<PhysicalFiles.FileEntry> files, List<String> directories,
                       StringBuilder stderr, byte[][] manifest) {
        int bundleNumber = 0;
        BackupObjectOutput bundle = null;
        BackupObjectOutput single = null;
        String bundleName = null;
        byte[] buffer = new byte[1 << 18];
        MessageDigest sha = PhysicalBackup.sha256();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(stdout, 1 << 20))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String path = entry.getName();
                while (path.endsWith("/")) {
                    path = path.substring(0, path.length() - 1);
                }
                if (entry.isDirectory()) {
                    directories.add(path);
                    continue;
                }
                if (entry.isSymbolicLink()) {
                    throw new PgnestException(ErrorKind.TOOL, "pg_basebackup sent a symbolic link " + path + " -> " + entry.getLinkName(),
                            "clusters with tablespaces need the local data directory (method files)");
                }
                if (!entry.isFile()) {
                    continue;
                }
                if (path.equals(MANIFEST)) {
                    manifest[0] = tar.readAllBytes();
                    continue;
                }
                BackupObjectOutput out;
                String objectName;
                boolean alone = entry.getSize() > options.bundleFileLimit();
                if (alone) {
                    objectName = "files/" + path;
                    single = pending.newObject(objectName, options.compression(), options.level(), options.parallelism() - 1);
                    out = single;
                } else {
                    if (bundle == null) {
                        bundleName = String.format("bundles/%05d", ++bundleNumber);
                        bundle = pending.newObject(bundleName, options.compression(), options.level());
                    }
                    objectName = bundleName;
                    out = bundle;
                }
                long offset = out.rawSize();
                long size = 0;
                int n;
                while ((n = tar.read(buffer)) > 0) {
                    sha.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
                files.add(new PhysicalFiles.FileEntry(path, size, HexFormat.of().formatHex(sha.digest()),
                        objectName + options.compression().extension(), offset, entry.getModTime().getTime()));
                if (alone) {
                    single.finish();
                    single = null;
                } else if (bundle.rawSize() >= options.bundleSize()) {
                    bundle.finish();
                    bundle.close();
                    bundle = null;
                }
            }
            if (bundle != null) {
                bundle.finish();
                bundle.close();
                bundle = null;
            }
        } catch (IOException e) {
            String err;
            synchronized (stderr) {
                err = stderr.toString();
            }
            throw new PgnestException(ErrorKind.TOOL, "cannot read pg_basebackup's output: " + e.getMessage()
                    + (err.isBlank() ? "" : "; pg_basebackup said: " + lastLines(err)), "see the server log", e);
        } finally {
            if (bundle != null) {
                bundle.close();
            }
            if (single != null) {
                single.close();
            }
        }
        LOG.debug("pg_basebackup stream split into {} files in {} bundles", files.size(), bundleNumber);
    }

    private static void collect(InputStream in, StringBuilder into) {
        try (in) {
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) > 0) {
                synchronized (into) {
                    into.append(new String(b, 0, n, StandardCharsets.UTF_8));
                    if (into.length() > STDERR_LIMIT) {
                        into.delete(0, into.length() - STDERR_LIMIT);
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static String lastLines(String s) {
        String[] lines = s.strip().split("\n");
        int from = Math.max(0, lines.length - 5);
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
