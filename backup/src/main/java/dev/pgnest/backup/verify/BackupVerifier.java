package dev.pgnest.backup.verify;

import dev.pgnest.backup.physical.BackupChain;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.repository.BackupKind;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.repository.ToolVersion;
import dev.pgnest.repository.Verification;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pgnest backup verify}: downloads every object of a backup and checks its size and
 * SHA-256 against the manifest. {@code deep} also decompresses (zstd checks its own frame
 * checksums), compares the raw size, and for a logical backup feeds the dump to
 * {@code pg_restore --list}, which must read its table of contents. The outcome is recorded in
 * the repository ({@code verify.json}), where list and expire see it.
 */
public final class BackupVerifier {
    private static final int BUFFER = 1 << 20;

    private final Repository repository;
    private final Path pgBinDir;

    /** @param pgBinDir where pg_restore is (deep verification); null: detect */
    public BackupVerifier(Repository repository, Path pgBinDir) {
        this.repository = repository;
        this.pgBinDir = pgBinDir;
    }

    /**
     * Verifies one backup and records the outcome; a diff or incr backup with every object of
     * the backups it depends on, since its restore reads them all.
     */
    public VerifyResult verify(String target, String id, boolean deep) {
        Catalog.Entry entry = repository.catalog().get(target, id);
        return verify(entry.manifest(), deep, true);
    }

    /** Verifies every backup of the target, oldest first. */
    public List<VerifyResult> verifyAll(String target, boolean deep) {
        List<VerifyResult> results = new ArrayList<>();
        for (Catalog.Entry entry : repository.catalog().backups(target)) {
            // oldest first: each piece of a chain is read once, and its dependents see its outcome
            results.add(verify(entry.manifest(), deep, false));
        }
        return results;
    }

    private VerifyResult verify(BackupManifest manifest, boolean deep, boolean withChain) {
        long started = System.nanoTime();
        List<String> problems = new ArrayList<>();
        Path pgRestore = deep && manifest.kind() == BackupKind.LOGICAL ? PgBinaries.find(pgBinDir, "pg_restore") : null;
        long bytes = checkObjects(manifest, "", deep, pgRestore, problems);
        if (manifest.dependsOn().isPresent()) {
            List<String> chain = BackupChain.dependencyProblems(repository, manifest);
            problems.addAll(chain);
            if (withChain && chain.isEmpty()) {
                for (BackupManifest piece : BackupChain.assemble(repository, manifest)) {
                    if (!piece.id().equals(manifest.id())) {
                        bytes += checkObjects(piece, "backup " + piece.id() + " (depended on): ", deep, pgRestore, problems);
                    }
                }
            }
        }
        VerifyResult result = new VerifyResult(manifest.target(), manifest.id(), problems.isEmpty(), deep, bytes,
                Duration.ofNanos(System.nanoTime() - started), problems);
        repository.catalog().recordVerification(manifest.target(), manifest.id(),
                new Verification(Instant.now(), result.ok(), deep, problems, ToolVersion.current()));
        return result;
    }

    /** Reads every object of {@code manifest}; returns the stored bytes read. */
    private long checkObjects(BackupManifest manifest, String prefix, boolean deep, Path pgRestore, List<String> problems) {
        long bytes = 0;
        List<String> found = new ArrayList<>();
        for (BackupObject object : manifest.objects()) {
            String key = RepositoryLayout.backupObjectKey(manifest.target(), manifest.id(), object.name());
            try {
                bytes += check(object, key, deep, pgRestore, found);
            } catch (ObjectNotFoundException e) {
                found.add(object.name() + ": missing from the repository");
            }
        }
        found.forEach(p -> problems.add(prefix + p));
        return bytes;
    }

    /** Reads one object; returns the stored bytes read. */
    private long check(BackupObject object, String key, boolean deep, Path pgRestore, List<String> problems) {
        MessageDigest sha256 = sha256();
        CountingInputStream stored;
        try (InputStream raw = repository.storage().get(key)) {
            stored = new CountingInputStream(new DigestInputStream(raw, sha256));
            if (!deep) {
                stored.transferTo(OutputStream.nullOutputStream());
            } else {
                checkContent(object, stored, pgRestore, problems);
                stored.transferTo(OutputStream.nullOutputStream()); // whatever the decompressor left
            }
        } catch (IOException e) {
            throw new StorageException("cannot read " + repository.storage().location(key) + ": "
                    + StorageException.describe(e), "check the repository is reachable, then verify again", e);
        }
        if (stored.count != object.size()) {
            problems.add(object.name() + ": " + stored.count + " bytes stored, the manifest says " + object.size());
        } else {
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equals(object.sha256())) {
                problems.add(object.name() + ": SHA-256 " + actual + " differs from the manifest's " + object.sha256());
            }
        }
        return stored.count;
    }

    private void checkContent(BackupObject object, InputStream stored, Path pgRestore, List<String> problems)
            throws IOException {
        if (pgRestore == null) {
            decompress(object, stored, OutputStream.nullOutputStream(), problems);
            return;
        }
        try (ChildProcess.Running process = ChildProcess.start(List.of(pgRestore.toString(), "--list"), Map.of(), null,
                ChildProcess.Stdin.PIPE, ChildProcess.Stdout.PIPE, 16 * 1024)) {
            InputStream stdout = process.stdout();
            CompletableFuture<Integer> tocLines = CompletableFuture.supplyAsync(() -> countLines(stdout));
            decompress(object, stored, process.stdin(), problems);
            int exit;
            try {
                exit = process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgnestException(ErrorKind.INTERRUPTED, "interrupted while verifying", "");
            }
            int lines = tocLines.join();
            if (exit != 0) {
                problems.add(object.name() + ": " + process.failure("pg_restore --list", exit));
            } else if (lines == 0) {
                problems.add(object.name() + ": pg_restore --list found no table of contents");
            }
        }
    }

    /** Decompresses the object into {@code sink} (closed at the end), checking its raw size. */
    private static void decompress(BackupObject object, InputStream stored, OutputStream sink, List<String> problems) {
        long rawSize = 0;
        boolean sinkOpen = true;
        try (InputStream in = object.compression().decompress(new NonClosing(stored))) {
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = in.read(buffer)) > 0; ) {
                rawSize += n;
                if (sinkOpen) {
                    try {
                        sink.write(buffer, 0, n);
                    } catch (IOException e) {
                        sinkOpen = false; // pg_restore --list stops reading after the TOC
                    }
                }
            }
        } catch (IOException e) {
            problems.add(object.name() + ": cannot decompress (" + object.compression() + "): " + e.getMessage());
        } finally {
            try {
                sink.close();
            } catch (IOException e) {
                // pg_restore already closed its end
            }
        }
        if (rawSize != object.rawSize() && problems.isEmpty()) {
            problems.add(object.name() + ": " + rawSize + " bytes after decompression, the manifest says " + object.rawSize());
        }
    }

    private static int countLines(InputStream in) {
        try (in) {
            return (int) new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith(";")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipping would bypass the digest
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            int r = read(buf);
            return Math.max(r, 0);
        }
    }

    /** Lets the decompressor close without closing the stream still being hashed. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
