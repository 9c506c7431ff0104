package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.storage.crypto.EncryptedStorageConfig;
import dev.pgnest.storage.crypto.EncryptionKey;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.net.URI;
import java.nio.file.Path;

/** Maps a configured repository (pgnest.yml, environment, flags) onto a storage driver's config. */
public final class RepositorySettings {
    private RepositorySettings() {
    }

    /** The storage of the repository's settings, encrypted when configured; fails naming the missing setting. */
    public static StorageConfig storage(SettingValues repository) {
        StorageConfig plain = plainStorage(repository);
        if (repository.require(Settings.ENCRYPTION_MODE).equals("none")) {
            return plain;
        }
        EncryptionKey key = repository.get(Settings.ENCRYPTION_KEY)
                .map(k -> EncryptionKey.parse(k, Settings.ENCRYPTION_KEY.env()))
                .or(() -> repository.get(Settings.ENCRYPTION_KEY_FILE).map(EncryptionKey::fromFile))
                .orElseThrow(() -> new PgnestException(ErrorKind.CONFIG,
                        "encryption is on but no key is configured for repository " + repository.name(),
                        "set PGNEST_ENCRYPTION_KEY, or encryption.key-file in pgnest.yml"));
        return new EncryptedStorageConfig(plain, key);
    }

    private static StorageConfig plainStorage(SettingValues repository) {
        String type = repository.require(Settings.REPO_TYPE);
        if (type.equals("fs")) {
            Path path = repository.require(Settings.REPO_PATH);
            return new FsStorageConfig(path);
        }
        S3StorageConfig.Builder s3 = S3StorageConfig.builder(repository.require(Settings.S3_BUCKET))
                .prefix(repository.require(Settings.S3_PREFIX))
                .region(repository.require(Settings.S3_REGION))
                .pathStyle(repository.require(Settings.S3_PATH_STYLE))
                .credentials(repository.get(Settings.S3_ACCESS_KEY_ID).orElse(null),
                        repository.get(Settings.S3_SECRET_ACCESS_KEY).orElse(null))
                .sse(repository.get(Settings.S3_SSE).orElse(null), null)
                .storageClass(repository.get(Settings.S3_STORAGE_CLASS).orElse(null));
        repository.get(Settings.S3_PART_SIZE).ifPresent(s3::partSize);
        repository.get(Settings.S3_PARTS_IN_FLIGHT).ifPresent(s3::partsInFlight);
        repository.get(Settings.S3_MAX_ATTEMPTS).ifPresent(s3::maxAttempts);
        repository.get(Settings.S3_VERIFY_TLS).ifPresent(s3::verifyTls);
        repository.get(Settings.S3_CHECKSUM).map(S3StorageConfig.Checksum::parse).ifPresent(s3::checksum);
        repository.get(Settings.S3_SSE_KMS_KEY_ID)
                .ifPresent(kms -> s3.sse(repository.get(Settings.S3_SSE).orElse(null), kms));
        String endpoint = repository.get(Settings.S3_ENDPOINT).orElse(null);
        if (endpoint != null && !endpoint.isBlank()) {
            try {
                s3.endpoint(URI.create(endpoint.strip()));
            } catch (IllegalArgumentException e) {
                throw new PgnestException(ErrorKind.CONFIG, "S3 endpoint '" + endpoint + "' is not a URL",
                        "set it like https://minio.internal:9000");
            }
        }
        return s3.build();
    }

    public static Compression compression(SettingValues repository) {
        return Compression.parse(repository.require(Settings.COMPRESSION));
    }

    public static int compressionLevel(SettingValues repository) {
        Compression compression = compression(repository);
        return compression.checkLevel(repository.get(Settings.COMPRESSION_LEVEL).orElse(compression.defaultLevel()));
    }
}
