package dev.pgnest.storage;

/**
 * A driver's typed configuration ({@code S3StorageConfig}, {@code FsStorageConfig}). Opening
 * through the config keeps callers free of driver classes: the repository settings map onto
 * a config record, and {@link #open()} gives a {@link Storage}.
 */
public interface StorageConfig {

    /** Connects (or checks the directory) and returns a storage; the caller closes it. */
    Storage open();

    /** Where this storage lives, for messages: {@code s3://bucket/prefix} or a path. */
    String describe();
}
