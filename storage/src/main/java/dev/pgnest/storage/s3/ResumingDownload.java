package dev.pgnest.storage.s3;

import dev.pgnest.storage.BrokenDownloadException;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.StorageException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A streamed GET that survives a body cut mid-way (a connection reset, a truncation): it asks
 * again for the bytes from the first one not yet handed to the caller, with a ranged GET
 * pinned to the object's ETag (If-Match), as pgBackRest's storage read reopens at offset +
 * bytes read. Consecutive breaks without a byte of progress are bounded by the S3 max attempts,
 * with the client's backoff between them; progress resets the count, so a long download over a
 * flaky link finishes while a link that delivers nothing fails.
 *
 * <p>A store that ignores the Range header answers 200 with the whole object; then the bytes
 * before the position are read and dropped (logged once per download), which costs time but
 * never hands wrong bytes.
 */
final class ResumingDownload extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(ResumingDownload.class);

    private final S3Storage storage;
    private final String key;
    /** Absolute offset of the next byte handed to the caller. */
    private long position;
    /** Absolute offset after the last byte wanted. */
    private long end;
    /** Absolute offset of the current body's next byte: below {@link #position} when the store sent more than asked. */
    private long bodyPosition;
    /** Absolute offset after the current body's last byte. */
    private long bodyEnd;
    private boolean opened;
    private String etag;
    private ResponseInputStream<GetObjectResponse> body;
    private int failures;
    private boolean rangeIgnoredLogged;

    private ResumingDownload(S3Storage storage, String key, long offset) {
        this.storage = storage;
        this.key = key;
        this.position = offset;
    }

    /**
     * Opens {@code length} bytes from {@code offset} ({@code length < 0}: to the end); an offset at
     * or past the end gives an empty stream. Failures of this first request are thrown as the
     * driver's {@code StorageException}s.
     */
    static InputStream open(S3Storage storage, String key, long offset, long length) {
        ResumingDownload download = new ResumingDownload(storage, key, offset);
        GetObjectRequest.Builder request = storage.getRequest(key);
        if (offset > 0 || length > 0) {
            request.range("bytes=" + offset + "-" + (length > 0 ? offset + length - 1 : ""));
        }
        try {
            download.accept(storage.client().getObject(request.build()), length);
        } catch (IOException e) {
            throw StorageException.io("read", storage.location(key), e);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                // range starts at or past the end; an existing object, read as empty
                return InputStream.nullInputStream();
            }
            throw storage.translate("read", key, e);
        } catch (SdkException | UncheckedIOException e) {
            throw storage.translate("read", key, e);
        }
        return download;
    }

    /** Takes a response: where its body starts, and (on the first) where the wanted bytes end. */
    private void accept(ResponseInputStream<GetObjectResponse> response, long length) throws IOException {
        GetObjectResponse head = response.response();
        String range = head.contentRange();
        long start = 0;
        long stop = head.contentLength();
        if (range != null && range.startsWith("bytes ") && range.contains("-")) {
            // "bytes first-last/total"
            String span = range.substring(6, range.indexOf('/') < 0 ? range.length() : range.indexOf('/'));
            start = Long.parseLong(span.substring(0, span.indexOf('-')).trim());
            stop = Long.parseLong(span.substring(span.indexOf('-') + 1).trim()) + 1;
        }
        if (!opened) {
            opened = true;
            etag = head.eTag();
            end = length > 0 ? Math.min(stop, position + length) : stop;
        }
        body = response;
        bodyPosition = start;
        bodyEnd = start + head.contentLength();
        if (start > position) {
            abortBody();
            throw new IOException("the S3 store answered a read of " + storage.location(key) + " from byte " + position
                    + " with bytes from " + start + "; check the S3 endpoint (a proxy or cache in between?)");
        }
        if (start < position && !rangeIgnoredLogged) {
            rangeIgnoredLogged = true;
            LOG.warn("the S3 store did not serve a byte range of {}: reading the object again from its start "
                    + "and skipping to byte {}", storage.location(key), position);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (position < end) {
            if (body == null) {
                reopen();
            }
            try {
                skipToPosition();
                int n = body.read(b, off, (int) Math.min(len, end - position));
                if (n < 0) {
                    throw new EOFException("the response ended " + (end - position) + " bytes early");
                }
                position += n;
                bodyPosition += n;
                failures = 0;
                return n;
            } catch (IOException | SdkException | UncheckedIOException e) {
                broke(e);
            }
        }
        return -1;
    }

    private void skipToPosition() throws IOException {
        byte[] discard = null;
        while (bodyPosition < position) {
            if (discard == null) {
                discard = new byte[(int) Math.min(64 * 1024, position - bodyPosition)];
            }
            int n = body.read(discard, 0, (int) Math.min(discard.length, position - bodyPosition));
            if (n < 0) {
                throw new EOFException("the response ended before byte " + position);
            }
            bodyPosition += n;
        }
    }

    /** Drops the broken body; fails once the attempts are spent, else waits the backoff. */
    private void broke(Exception e) throws IOException {
        abortBody();
        failures++;
        int attempts = storage.config().maxAttempts();
        String cause = S3Storage.rootMessage(e);
        if (failures >= attempts) {
            throw new BrokenDownloadException("the download of " + storage.location(key) + " broke off at byte " + position
                    + " and " + attempts + " attempts to resume it made no progress (" + cause + ")",
                    "check the network to the S3 endpoint, then retry; if it persists, raise the S3 max attempts", e);
        }
        Duration wait = S3Storage.BACKOFF.computeDelay(failures);
        LOG.info("the download of {} broke off at byte {} of {} ({}); resuming from there in {} ms (attempt {} of {})",
                storage.location(key), position, end, cause, wait.toMillis(), failures + 1, attempts);
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while resuming the download of " + storage.location(key));
        }
    }

    /** Asks for the rest, from {@link #position}, of the same object (If-Match: its ETag). */
    private void reopen() throws IOException {
        GetObjectRequest.Builder request = storage.getRequest(key).range("bytes=" + position + "-" + (end - 1));
        if (etag != null) {
            request.ifMatch(etag);
        }
        try {
            accept(storage.client().getObject(request.build()), -1);
        } catch (SdkException | UncheckedIOException e) {
            if (e instanceof S3Exception s3 && s3.statusCode() == 412) {
                throw new IOException(storage.location(key) + " was replaced while it was being read (its ETag changed); "
                        + "run the command again", e);
            }
            StorageException translated = storage.translate("read", key, e);
            if (translated instanceof ObjectNotFoundException) {
                throw new IOException(storage.location(key) + " was deleted while it was being read", e);
            }
            throw new BrokenDownloadException(translated.problem(), translated.hint(), e);
        }
    }

    private void abortBody() {
        if (body != null) {
            body.abort();
            try {
                body.close();
            } catch (IOException | RuntimeException ignored) {
                // the connection is being thrown away anyway
            }
            body = null;
        }
    }

    @Override
    public void close() {
        if (body != null && bodyPosition < bodyEnd) {
            // stop the download instead of draining the connection
            abortBody();
        } else if (body != null) {
            try {
                body.close();
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
            body = null;
        }
        position = end;
    }
}
