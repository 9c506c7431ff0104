package dev.pgnest.storage.fs;

import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import java.nio.file.Path;
import java.util.Objects;

/** A repository in a local (or mounted) directory. */
public record FsStorageConfig(Path root) implements StorageConfig {
    public FsStorageConfig {
        Objects.requireNonNull(root, "root");
        root = root.toAbsolutePath().normalize();
    }

    @Override
    public Storage open() {
        return new FsStorage(root);
    }

    @Override
    public String describe() {
        return root.toString();
    }
}
