package dev.pgnest.restore.logical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.repository.RepositoryLayout;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The dump of a logical backup in the repository, read with its checksum checked: every
 * byte pgnest hands to pg_restore has first matched the manifest's size and SHA-256, so a
 * damaged object stops the restore before the target database is touched.
 */
final class DumpObject {
    private static final int BUFFER = 1 << 20;

    private final Storage storage;
    private final BackupManifest manifest;
    private final BackupObject object;
    private final String key;

    DumpObject(Storage storage, BackupManifest manifest) {
        this.storage = storage;
        this.manifest = manifest;
        if (manifest.objects().size() != 1) {
            throw new PgnestException(ErrorKind.REPOSITORY, "logical backup " + manifest.id() + " lists "
                    + manifest.objects().size() + " objects, expected one dump",
                    "the manifest was written by another tool or edited; restore another backup");
        }
        this.object = manifest.objects().get(0);
        this.key = RepositoryLayout.backupObjectKey(manifest.target(), manifest.id(), object.name());
    }

    BackupObject object() {
        return object;
    }

    String location() {
        return storage.location(key);
    }

    /**
     * Downloads, verifies and decompresses the dump into {@code file} (pg_restore -j needs a
     * seekable, uncompressed custom-format file). Deletes the file when the check fails.
     */
    void stageTo(Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            copyVerified(out);
        } catch (SinkException e) {
            deleteQuietly(file);
            throw new PgnestException(ErrorKind.TOOL, "cannot write the staged dump " + file + ": " + e.getMessage(),
                    "free space in restore.staging-dir, or restore with --no-stage", e);
        } catch (IOException e) {
            deleteQuietly(file);
            throw new PgnestException(ErrorKind.TOOL, "cannot write the staged dump " + file + ": " + e.getMessage(),
                    "free space in restore.staging-dir, or restore with --no-stage", e);
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /** Reads the whole object and checks it, keeping nothing. */
    void verify() {
        try {
            copyVerified(OutputStream.nullOutputStream());
        } catch (SinkException e) {
            throw new IllegalStateException("the null sink failed", e);
        }
    }

    /**
     * Streams the decompressed dump into {@code sink} while checking it; the verdict comes at the
     * end, so the caller must be able to undo what the sink did with the bytes.
     *
     * @throws SinkException when writing to {@code sink} failed (not the object's fault)
     */
    void copyVerified(OutputStream destination) throws SinkException {
        OutputStream sink = markingFailures(destination);
        MessageDigest sha256 = sha256();
        long[] stored = new long[1];
        IOException decompressFailure = null;
        long raw = 0;
        try (InputStream in = storage.get(key);
             CountingDigestStream counted = new CountingDigestStream(in, sha256, stored)) {
            try (InputStream plain = object.compression().decompress(new NonClosing(counted))) {
                byte[] buffer = new byte[BUFFER];
                for (int n; (n = plain.read(buffer)) > 0; ) {
                    raw += n;
                    sink.write(buffer, 0, n);
                }
            } catch (SinkException e) {
                throw e;
            } catch (IOException e) {
                decompressFailure = e;
            }
            // hash what the decompressor did not read, so a damaged object reports its checksum
            counted.transferTo(OutputStream.nullOutputStream());
        } catch (ObjectNotFoundException e) {
            throw corrupt("is missing from the repository");
        } catch (SinkException e) {
            throw e;
        } catch (IOException e) {
            throw new StorageException("cannot read " + location() + ": " + StorageException.describe(e),
                    "check the repository is reachable, then restore again", e);
        }
        if (stored[0] != object.size()) {
            throw corrupt("has " + stored[0] + " bytes, the manifest says " + object.size());
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (!actual.equals(object.sha256())) {
            throw corrupt("has SHA-256 " + actual + ", the manifest says " + object.sha256());
        }
        if (decompressFailure != null) {
            throw corrupt("matches its checksum but cannot be decompressed (" + object.compression() + "): "
                    + decompressFailure.getMessage());
        }
        if (raw != object.rawSize()) {
            throw corrupt("decompresses to " + raw + " bytes, the manifest says " + object.rawSize());
        }
    }

    private PgnestException corrupt(String what) {
        return new PgnestException(ErrorKind.INTEGRITY, "object " + object.name() + " of backup " + manifest.id()
                + " (" + location() + ") " + what + "; nothing was restored",
                "restore an older backup with --backup ID (pgnest backup list), and run pgnest backup verify");
    }

    /** Marks write failures of the sink so they are not mistaken for a damaged object. */
    static final class SinkException extends IOException {
        private static final long serialVersionUID = 1L;

        SinkException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Wraps a sink so its failures are told apart from decompression failures. */
    static OutputStream markingFailures(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw new SinkException(e);
                }
            }

            @Override
            public void write(int b) throws IOException {
                try {
                    out.write(b);
                } catch (IOException e) {
                    throw new SinkException(e);
                }
            }
        };
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static final class CountingDigestStream extends DigestInputStream {
        private final long[] count;

        CountingDigestStream(InputStream in, MessageDigest digest, long[] count) {
            super(in, digest);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count[0]++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count[0] += n;
            }
            return n;
        }
    }

    /** Lets the decompressor close its stream without closing the download under it. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the owner closes the underlying stream
        }
    }
}
