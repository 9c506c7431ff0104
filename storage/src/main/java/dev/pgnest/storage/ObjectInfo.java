package dev.pgnest.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A committed object: its key (relative to the storage root), size in bytes and the time the
 * backend last wrote it.
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
    }
}
