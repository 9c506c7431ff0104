package dev.pgnest.repository;

import dev.pgnest.repository.BackupManifest.BackupObject;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Writes one object of a backup: the caller writes raw bytes; they are counted, compressed,
 * hashed (SHA-256 of the stored bytes) and streamed to storage. {@link #finish()} stores the
 * object and returns its manifest entry; closing without finishing stores nothing.
 */
public final class BackupObjectOutput extends OutputStream {
    private final String name;
    private final Compression compression;
    private final StorageOutput storage;
    private final MessageDigest sha256;
    private final OutputStream compressor;
    private final Consumer<BackupObject> onFinish;
    private long rawSize;
    private long storedSize;
    private boolean closed;

    private BackupObjectOutput(String name, Compression compression, int level, int workers, StorageOutput storage,
                       Consumer<BackupObject> onFinish) throws IOException {
        this.name = name;
        this.compression = compression;
        this.storage = storage;
        this.onFinish = onFinish;
        this.sha256 = newSha256();
        OutputStream hashing = new FilterOutputStream(storage) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                sha256.update(b, off, len);
                storedSize += len;
                out.write(b, off, len);
            }

            @Override
            public void close() {
                // the storage output is committed or aborted by BackupObjectOutput, never by
                // the compressor's close
            }
        };
        this.compressor = compression.compress(hashing, level, workers);
    }

    /** Opens the object on {@code storage}; closes {@code storage} when that fails. */
    static BackupObjectOutput open(String name, Compression compression, int level, int workers, StorageOutput storage,
                                   Consumer<BackupObject> onFinish) {
        try {
            return new BackupObjectOutput(name, compression, level, workers, storage, onFinish);
        } catch (IOException e) {
            storage.close();
            throw new StorageException("cannot start backup object " + name + ": " + StorageException.describe(e),
                    "retry; if it persists, report a bug", e);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** The object's name inside the backup. */
    public String name() {
        return name;
    }

    /** Raw bytes written so far. */
    public long rawSize() {
        return rawSize;
    }

    /** Compressed bytes produced so far. */
    public long storedSize() {
        return storedSize;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        compressor.write(b, off, len);
        rawSize += len;
    }

    /** Ends compression, stores the object durably, and returns its manifest entry. */
    public BackupObject finish() {
        if (closed) {
            throw new IllegalStateException("already finished or closed: " + name);
        }
        try {
            compressor.close();
            storage.commit();
            closed = true;
            BackupObject object = new BackupObject(name, storedSize, rawSize,
                    HexFormat.of().formatHex(sha256.digest()), compression);
            onFinish.accept(object);
            return object;
        } catch (IOException e) {
            close();
            throw new StorageException("cannot store backup object " + name + ": " + StorageException.describe(e),
                    "check the repository location and free space, then retry", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Aborts unless finished: nothing is stored. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            compressor.close(); // frees native zstd state; its output goes nowhere
        } catch (IOException | RuntimeException e) {
            // aborting anyway
        }
        storage.close();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
