package dev.pgnest.storage.crypto;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Client-side encryption of everything a repository stores: a {@link Storage} that encrypts
 * on write and authenticates on read, in front of any other storage. Users see plaintext
 * keys, sizes and bytes, so the repository, backups and WAL code need not know.
 *
 * <p>Object format: a header ({@code PGNE}, format 1, the key id, a random 16-byte salt), then
 * the plaintext in 64 KiB chunks, each sealed with AES-256-GCM under a per-object key derived
 * from the salt, with the chunk number as nonce and the header plus a last-chunk flag as
 * associated data. Tampering with, reordering, truncating or extending any chunk fails
 * authentication; a different key is recognised by its id before anything is decrypted.
 */
public final class EncryptedStorage implements Storage {
    static final byte[] MAGIC = "PGNE".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int SALT_BYTES = 16;
    static final int HEADER_BYTES = MAGIC.length + 1 + EncryptionKey.ID_BYTES + SALT_BYTES;
    static final int CHUNK = 64 * 1024;
    static final int TAG_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Storage inner;
    private final EncryptionKey key;

    public EncryptedStorage(Storage inner, EncryptionKey key) {
        this.inner = inner;
        this.key = key;
    }

    @Override
    public StorageOutput create(String objectKey) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).put((byte) VERSION).put(key.idBytes()).put(salt).array();
        return new Sealing(inner.create(objectKey), header, key.objectKey(salt));
    }

    @Override
    public InputStream get(String objectKey, long offset, long length) {
        ObjectInfo info = inner.stat(objectKey).orElse(null);
        if (info == null) {
            // let the inner storage throw its own not-found error
            return inner.get(objectKey, offset, length);
        }
        byte[] header;
        try (InputStream in = inner.get(objectKey, 0, HEADER_BYTES)) {
            header = in.readNBytes(HEADER_BYTES);
        } catch (IOException e) {
            throw StorageException.io("read", inner.location(objectKey), e);
        }
        byte[] objectKeyBytes = checkHeader(objectKey, header);
        long chunks = chunkCount(info.size());
        long plainSize = plaintextSize(info.size());
        long start = Math.min(offset, plainSize);
        long end = length < 0 ? plainSize : Math.min(plainSize, start + length);
        long firstChunk = start / CHUNK;
        long cipherOffset = HEADER_BYTES + firstChunk * (CHUNK + TAG_BYTES);
        InputStream body = inner.get(objectKey, cipherOffset, -1);
        return new Opening(body, header, objectKeyBytes, firstChunk, chunks, start - firstChunk * CHUNK, end - start,
                inner.location(objectKey));
    }

    /**
     * One whole-object read of the inner storage, decrypted in memory: that read is the one the
     * S3 driver retries when its response breaks off (a streamed get is not), and it costs one
     * request instead of a stat, a header read and the body.
     */
    @Override
    public byte[] getBytes(String objectKey) {
        byte[] sealed = inner.getBytes(objectKey);
        byte[] header = Arrays.copyOf(sealed, Math.min(sealed.length, HEADER_BYTES));
        byte[] objectKeyBytes = checkHeader(objectKey, header);
        long plainSize = plaintextSize(sealed.length);
        InputStream body = new ByteArrayInputStream(sealed, HEADER_BYTES, sealed.length - HEADER_BYTES);
        try (InputStream in = new Opening(body, header, objectKeyBytes, 0, chunkCount(sealed.length), 0, plainSize,
                inner.location(objectKey))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw StorageException.io("read", inner.location(objectKey), e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String objectKey) {
        return inner.stat(objectKey).map(this::plain);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return inner.list(prefix).stream().map(this::plain).toList();
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        return inner.listPrefixes(prefix);
    }

    @Override
    public void delete(String objectKey) {
        inner.delete(objectKey);
    }

    @Override
    public void delete(java.util.Collection<String> keys) {
        inner.delete(keys);
    }

    @Override
    public List<IncompleteWrite> listIncomplete(String prefix) {
        return inner.listIncomplete(prefix);
    }

    @Override
    public void abort(IncompleteWrite write) {
        inner.abort(write);
    }

    @Override
    public String location(String objectKey) {
        return inner.location(objectKey);
    }

    @Override
    public void close() {
        inner.close();
    }

    private ObjectInfo plain(ObjectInfo info) {
        return new ObjectInfo(info.key(), plaintextSize(info.size()), info.lastModified());
    }

    /** Every object has at least one (possibly empty) last chunk. */
    static long chunkCount(long storedSize) {
        long body = Math.max(0, storedSize - HEADER_BYTES);
        return Math.max(1, (body + CHUNK + TAG_BYTES - 1) / (CHUNK + TAG_BYTES));
    }

    static long plaintextSize(long storedSize) {
        return Math.max(0, storedSize - HEADER_BYTES - chunkCount(storedSize) * TAG_BYTES);
    }

    private byte[] checkHeader(String objectKey, byte[] header) {
        if (header.length < HEADER_BYTES || !Arrays.equals(Arrays.copyOf(header, MAGIC.length), MAGIC)) {
            throw new PgnestException(ErrorKind.INTEGRITY, inner.location(objectKey) + " is not encrypted by pgnest",
                    "this repository holds unencrypted objects: turn encryption off for it (encryption: none), or use a new repository");
        }
        if (header[MAGIC.length] != VERSION) {
            throw new PgnestException(ErrorKind.INTEGRITY, inner.location(objectKey) + " uses encryption format " + header[MAGIC.length],
                    "upgrade pgnest");
        }
        byte[] id = Arrays.copyOfRange(header, MAGIC.length + 1, MAGIC.length + 1 + EncryptionKey.ID_BYTES);
        if (!Arrays.equals(id, key.idBytes())) {
            throw new PgnestException(ErrorKind.CONFIG, inner.location(objectKey) + " was encrypted with key id "
                    + HexFormat.of().formatHex(id) + ", not with the configured key (id " + key.id() + ")",
                    "configure the key this repository was written with (PGNEST_ENCRYPTION_KEY or encryption.key-file)");
        }
        return key.objectKey(Arrays.copyOfRange(header, HEADER_BYTES - SALT_BYTES, HEADER_BYTES));
    }

    private static Cipher cipher(int mode, byte[] objectKey, long chunk, byte[] header, boolean last) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(chunk).array();
            c.init(mode, new SecretKeySpec(objectKey, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(header);
            c.updateAAD(new byte[] {(byte) (last ? 1 : 0)});
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JVM", e);
        }
    }

    /** Buffers one chunk; a chunk is sealed only once more data (or the commit) shows whether it is the last. */
    private static final class Sealing extends StorageOutput {
        private final StorageOutput out;
        private final byte[] header;
        private final byte[] objectKey;
        private final byte[] buffer = new byte[CHUNK];
        private int filled;
        private long chunk;
        private long plainBytes;
        private boolean headerWritten;
        private boolean committed;

        Sealing(StorageOutput out, byte[] header, byte[] objectKey) {
            this.out = out;
            this.header = header;
            this.objectKey = objectKey;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (committed) {
                throw new IOException("write after commit");
            }
            while (len > 0) {
                if (filled == CHUNK) {
                    seal(false);
                }
                int n = Math.min(len, CHUNK - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
                plainBytes += n;
            }
        }

        private void seal(boolean last) throws IOException {
            if (!headerWritten) {
                out.write(header);
                headerWritten = true;
            }
            try {
                out.write(cipher(Cipher.ENCRYPT_MODE, objectKey, chunk++, header, last).doFinal(buffer, 0, filled));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            filled = 0;
        }

        @Override
        public long commit() {
            if (committed) {
                throw new IllegalStateException("already committed");
            }
            try {
                seal(true);
            } catch (IOException e) {
                throw new StorageException("cannot finish an encrypted write", e.getMessage(), e);
            }
            out.commit();
            committed = true;
            return plainBytes;
        }

        @Override
        public void close() {
            out.close();
        }
    }

    /** Reads, authenticates and decrypts chunk by chunk; fails on the first chunk that does not authenticate. */
    private static final class Opening extends InputStream {
        private final InputStream in;
        private final byte[] header;
        private final byte[] objectKey;
        private final long chunks;
        private final String location;
        private long chunk;
        private long skip;
        private long remaining;
        private byte[] plain = new byte[0];
        private int pos;

        Opening(InputStream in, byte[] header, byte[] objectKey, long firstChunk, long chunks, long skip, long length,
                String location) {
            this.in = in;
            this.header = header;
            this.objectKey = objectKey;
            this.chunk = firstChunk;
            this.chunks = chunks;
            this.skip = skip;
            this.remaining = length;
            this.location = location;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                // an empty object still has its one sealed chunk: authenticate it before the end
                if (chunks == 1 && chunk == 0 && !nextChunk()) {
                    throw tampered("it ends before its last chunk");
                }
                return -1;
            }
            while (pos >= plain.length) {
                if (!nextChunk()) {
                    throw tampered("it ends before its last chunk");
                }
            }
            int n = (int) Math.min(Math.min(len, plain.length - pos), remaining);
            System.arraycopy(plain, pos, b, off, n);
            pos += n;
            remaining -= n;
            return n;
        }

        private boolean nextChunk() throws IOException {
            if (chunk >= chunks) {
                return false;
            }
            boolean last = chunk == chunks - 1;
            byte[] sealed = in.readNBytes(CHUNK + TAG_BYTES);
            if (sealed.length < TAG_BYTES || (!last && sealed.length < CHUNK + TAG_BYTES)) {
                throw tampered("chunk " + chunk + " is cut short");
            }
            try {
                plain = cipher(Cipher.DECRYPT_MODE, objectKey, chunk, header, last).doFinal(sealed);
            } catch (AEADBadTagException e) {
                throw tampered("chunk " + chunk + " does not authenticate");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            chunk++;
            pos = (int) Math.min(skip, plain.length);
            skip -= pos;
            return true;
        }

        private PgnestException tampered(String why) {
            return new PgnestException(ErrorKind.INTEGRITY, location + " failed authentication (" + why + ")",
                    "the object was changed or damaged after it was written: do not restore from it; use another backup");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
