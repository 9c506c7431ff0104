package dev.pgnest.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A write that was started and never committed or aborted (its process died): an S3 multipart
 * upload or a temporary file. {@code id} is the driver's handle (upload id, temp file name);
 * pass the record back to {@link Storage#abort} to release it.
 */
public record IncompleteWrite(String key, String id, Instant started) {
    public IncompleteWrite {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(started, "started");
    }
}
