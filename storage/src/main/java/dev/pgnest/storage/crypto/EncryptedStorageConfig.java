package dev.pgnest.storage.crypto;

import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;

/** Any storage, with everything encrypted client-side under {@code key}. */
public record EncryptedStorageConfig(StorageConfig inner, EncryptionKey key) implements StorageConfig {
    @Override
    public Storage open() {
        return new EncryptedStorage(inner.open(), key);
    }

    @Override
    public String describe() {
        return inner.describe() + " (encrypted, key id " + key.id() + ")";
    }
}
