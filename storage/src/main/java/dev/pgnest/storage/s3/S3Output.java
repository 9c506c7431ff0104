package dev.pgnest.storage.s3;

import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A streaming upload of unknown length. Bytes fill a part buffer; a full buffer becomes an
 * UploadPart on the storage's pool while the caller keeps writing into the next one. At most
 * {@code partsInFlight} parts are in flight, so memory stays at
 * {@code (partsInFlight + 1) * partSize} for objects up to 2,000 parts. The first buffer grows
 * from 64 KiB, so small objects (manifests) cost little and go as one PUT.
 *
 * <p>The length is unknown up front, yet S3 allows at most 10,000 parts: the part size
 * doubles every 2,000 parts (S3 accepts parts of different sizes), so 8 MiB parts reach
 * about 480 GiB while objects below 16 GiB keep the configured memory bound.
 *
 * <p>Any failure (a part that failed after the SDK's retries, an exception in the caller, a
 * close without commit) aborts the multipart upload after in-flight parts settle, so no parts
 * are left behind. Only a killed process leaves an upload, which {@code listIncomplete} finds.
 */
final class S3Output extends StorageOutput {
    private static final Logger LOG = LoggerFactory.getLogger(S3Output.class);
    private static final int FIRST_BUFFER = 64 * 1024;

    private final S3Storage storage;
    private final String key;
    private final long basePartSize;
    private int partSize;
    private final Semaphore slots;
    private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    /** Each part's transport checksum (CRC32C or MD5), to recognise our object after a lost completion. */
    private final Map<Integer, byte[]> partChecksums = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private byte[] buffer;
    private int filled;
    private String uploadId;
    private long size;
    private boolean done;

    S3Output(S3Storage storage, String key) {
        this.storage = storage;
        this.key = key;
        this.basePartSize = storage.config().partSize();
        this.partSize = partSizeFor(1);
        this.slots = new Semaphore(storage.config().partsInFlight());
        this.buffer = new byte[Math.min(FIRST_BUFFER, partSize)];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureWritable();
        while (len > 0) {
            if (buffer == null) {
                buffer = takeBuffer();
            }
            if (filled == buffer.length && buffer.length < partSize) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(partSize, buffer.length * 4L));
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            size += n;
            if (filled == partSize) {
                sendPart();
            }
        }
    }

    @Override
    public long commit() {
        ensureWritableUnchecked();
        try {
            if (uploadId == null) {
                putSingle();
            } else {
                if (filled > 0) {
                    sendPart();
                }
                complete(awaitParts());
            }
            done = true;
            release();
            return size;
        } catch (IOException e) {
            close();
            throw StorageException.io("write", storage.location(key), e);
        } catch (RuntimeException e) {
            close();
            throw e instanceof StorageException se ? se : asStorageException("write", e);
        }
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        if (uploadId != null) {
            // let running parts settle first: a part finishing after the abort would re-create
            // the upload's storage on some servers
            for (Future<CompletedPart> part : parts) {
                part.cancel(true);
            }
            for (Future<CompletedPart> part : parts) {
                try {
                    part.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException | CancellationException | TimeoutException e) {
                    // settled (or hopeless); the abort below is what matters
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            try {
                storage.abortUpload(key, uploadId);
            } catch (RuntimeException e) {
                LOG.warn("could not abort the multipart upload of {} ({}); pgnest repo check removes it later",
                        storage.location(key), StorageException.describe(e));
            }
        }
        release();
    }

    private void putSingle() {
        storage.putObject(key, buffer == null ? new byte[0] : buffer, 0, filled);
    }

    private void startUpload() {
        S3StorageConfig config = storage.config();
        try {
            uploadId = storage.client().createMultipartUpload(b -> {
                b.bucket(config.bucket()).key(storage.fullKey(key));
                if (config.checksum() == S3StorageConfig.Checksum.CRC32C) {
                    // parts carrying a CRC32C must belong to an upload that announced it
                    b.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
                }
                if (config.sse() != null) {
                    b.serverSideEncryption(config.sse()).ssekmsKeyId(config.sseKmsKeyId());
                }
                if (config.storageClass() != null) {
                    b.storageClass(config.storageClass());
                }
            }).uploadId();
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw storage.translate("start the upload of", key, e);
        }
    }

    /** Part size for part {@code n} (1-based): doubles every 2,000 parts, capped at S3's 5 GiB. */
    int partSizeFor(int n) {
        long size = basePartSize << Math.min(20, (n - 1) / S3StorageConfig.PARTS_PER_SIZE);
        return (int) Math.min(Math.min(size, S3StorageConfig.MAX_PART_SIZE), Integer.MAX_VALUE - 16);
    }

    private void sendPart() throws IOException {
        if (uploadId == null) {
            startUpload();
        }
        if (parts.size() >= S3StorageConfig.MAX_PARTS) {
            throw new StorageException("the object " + storage.location(key) + " outgrew S3's 10,000 parts ("
                    + size + " bytes)", "raise the repository's S3 part size (memory use is parts in flight x part size)");
        }
        acquireSlot();
        byte[] data = buffer;
        int length = filled;
        int partNumber = parts.size() + 1;
        buffer = null;
        filled = 0;
        partSize = partSizeFor(partNumber + 1);
        parts.add(storage.uploads().submit(() -> {
            try {
                // checksummed here, not by the writer: the caller's thread only copies bytes
                byte[] checksum = storage.config().checksum().of(data, 0, length);
                partChecksums.put(partNumber, checksum);
                return uploadPart(partNumber, data, length, checksum);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                throw t;
            } finally {
                synchronized (spare) {
                    spare.push(data);
                }
                slots.release();
            }
        }));
    }

    private CompletedPart uploadPart(int partNumber, byte[] data, int length, byte[] checksum) {
        S3StorageConfig config = storage.config();
        String encoded = Base64.getEncoder().encodeToString(checksum);
        boolean crc = config.checksum() == S3StorageConfig.Checksum.CRC32C;
        String etag = storage.client().uploadPart(b -> {
            b.bucket(config.bucket()).key(storage.fullKey(key))
                    .uploadId(uploadId).partNumber(partNumber).contentLength((long) length);
            if (crc) {
                b.checksumCRC32C(encoded);
            } else {
                b.contentMD5(encoded);
            }
        }, body(data, 0, length)).eTag();
        CompletedPart.Builder part = CompletedPart.builder().partNumber(partNumber).eTag(etag);
        if (crc) {
            part.checksumCRC32C(encoded);
        }
        return part.build();
    }

    private List<CompletedPart> awaitParts() throws IOException {
        List<CompletedPart> completed = new ArrayList<>(parts.size());
        for (Future<CompletedPart> part : parts) {
            try {
                completed.add(part.get());
            } catch (ExecutionException e) {
                throw partFailure(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while uploading " + storage.location(key));
            }
        }
        return completed;
    }

    private void complete(List<CompletedPart> completed) {
        S3StorageConfig config = storage.config();
        try {
            storage.client().completeMultipartUpload(b -> b.bucket(config.bucket()).key(storage.fullKey(key))
                    .uploadId(uploadId).multipartUpload(m -> m.parts(completed)));
        } catch (S3Exception e) {
            // The SDK retries a completion whose response was lost; the retry then finds the
            // upload gone (NoSuchUpload). The object is ours if its multipart ETag matches.
            if (e.statusCode() == 404 && storage.head(key).filter(this::isOurs).isPresent()) {
                LOG.info("the completion of {} was retried after a lost response; the stored object is ours",
                        storage.location(key));
                return;
            }
            throw storage.translate("complete the upload of", key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw storage.translate("complete the upload of", key, e);
        }
    }

    /**
     * Whether the stored object is the one these parts make. With MD5 parts: S3's multipart ETag
     * (MD5 over the parts' binary MD5s, "-", the part count). With CRC32C parts: the composite
     * checksum (CRC32C over the parts' CRC32Cs, "-", the part count); a store that does not report
     * it is trusted on the size and the part count of its ETag.
     */
    private boolean isOurs(HeadObjectResponse head) {
        int count = partChecksums.size();
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        for (int part = 1; part <= count; part++) {
            joined.writeBytes(partChecksums.get(part));
        }
        S3StorageConfig.Checksum checksum = storage.config().checksum();
        byte[] composite = checksum.of(joined.toByteArray(), 0, joined.size());
        String etag = head.eTag() == null ? "" : head.eTag().replace("\"", "");
        if (checksum == S3StorageConfig.Checksum.MD5) {
            return etag.equalsIgnoreCase(HexFormat.of().formatHex(composite) + "-" + count);
        }
        if (head.checksumCRC32C() != null) {
            return head.checksumCRC32C().equals(Base64.getEncoder().encodeToString(composite) + "-" + count);
        }
        return etag.endsWith("-" + count) && head.contentLength() != null && head.contentLength() == size;
    }

    private void acquireSlot() throws IOException {
        try {
            while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                throwIfFailed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + storage.location(key));
        }
        throwIfFailed();
    }

    private byte[] takeBuffer() {
        synchronized (spare) {
            byte[] b = spare.poll();
            if (b != null && b.length == partSize) {
                return b;
            }
        }
        return new byte[partSize];
    }

    private void ensureWritable() throws IOException {
        if (done) {
            throw new IOException("write after commit or close of " + storage.location(key));
        }
        throwIfFailed();
    }

    private void ensureWritableUnchecked() {
        if (done) {
            throw new IllegalStateException("already committed or closed: " + storage.location(key));
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        Throwable t = failure.get();
        if (t != null) {
            throw partFailure(t);
        }
    }

    private StorageException partFailure(Throwable t) {
        if (t instanceof SdkException || t instanceof java.io.UncheckedIOException) {
            RuntimeException e = (RuntimeException) t;
            return storage.translate("upload a part of", key, e);
        }
        return asStorageException("upload a part of", t);
    }

    private StorageException asStorageException(String action, Throwable t) {
        if (t instanceof StorageException se) {
            return se;
        }
        if (t instanceof SdkException || t instanceof java.io.UncheckedIOException) {
            return storage.translate(action, key, (RuntimeException) t);
        }
        return new StorageException("cannot " + action + " " + storage.location(key) + ": "
                + StorageException.describe(t), "retry; if it persists, report a bug", t);
    }

    private void release() {
        buffer = null;
        synchronized (spare) {
            spare.clear();
        }
    }

    static RequestBody body(byte[] data, int offset, int length) {
        // a provider, not fromBytes: no defensive copy of the part, and each retry re-reads it
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, offset, length), length,
                "application/octet-stream");
    }
}
