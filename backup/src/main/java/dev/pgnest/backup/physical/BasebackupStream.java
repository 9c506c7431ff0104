package dev.pgnest.backup.physical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.repository.BackupObjectOutput;
import dev.pgnest.repository.PendingBackup;
import dev.pgnest.wal.Lsn;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
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
        ChildProcess.Running process;
        try {
            process = ChildProcess.start(command, db.libpqEnvironment(), null, ChildProcess.Stdin.NULL,
                    ChildProcess.Stdout.PIPE, STDERR_LIMIT);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot start pg_basebackup: " + e.getMessage(),
                    "install the PostgreSQL client programs or set pg.bin-dir", e);
        }
        List<PhysicalFiles.FileEntry> files = new ArrayList<>();
        List<String> directories = new ArrayList<>();
        byte[][] manifest = new byte[1][];
        int exit;
        try (process) {
            split(process, files, directories, manifest);
            OptionalInt exited = process.waitFor(Duration.ofMinutes(10));
            if (exited.isEmpty()) {
                throw new PgnestException(ErrorKind.TOOL, "pg_basebackup did not exit after sending its data", "see the server log");
            }
            exit = exited.getAsInt();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgnestException(ErrorKind.INTERRUPTED, "physical backup interrupted", "run it again");
        }
        String err = process.stderr();
        if (exit != 0) {
            throw new PgnestException(ErrorKind.TOOL, "pg_basebackup failed (exit " + exit + "): " + lastLines(err),
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

    private void split(ChildProcess.Running pgBasebackup, List<PhysicalFiles.FileEntry> files, List<String> directories,
                       byte[][] manifest) {
        int bundleNumber = 0;
        BackupObjectOutput bundle = null;
        BackupObjectOutput single = null;
        String bundleName = null;
        byte[] buffer = new byte[1 << 18];
        MessageDigest sha = PhysicalBackup.sha256();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(pgBasebackup.stdout(), 1 << 20))) {
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
            pgBasebackup.kill(); // so that its stderr ends now
            String err = pgBasebackup.stderr();
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

    private static String lastLines(String s) {
        String[] lines = s.strip().split("\n");
        int from = Math.max(0, lines.length - 5);
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
