package dev.pgnest.repository;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Scope;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.storage.StorageConfig;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.net.URI;
import java.nio.file.Path;

/** Maps a configured repository (pgnest.yml, environment, flags) onto a storage driver's config. */
public final class RepositorySettings {
    private RepositorySettings() {
    }

    /** The storage of the repository's settings; fails naming the missing setting. */
    public static StorageConfig storage(SettingValues repository) {
        String type = repository.require(Settings.REPO_TYPE);
        if (type.equals("fs")) {
            Path path = repository.require(Settings.REPO_PATH);
            return new FsStorageConfig(path);
        }
        S3StorageConfig.Builder s3 = S3StorageConfig.builder(repository.require(Settings.S3_BUCKET))
                .prefix(repository.get(Settings.S3_PREFIX).orElse(""))
                .region(repository.get(Settings.S3_REGION).orElse(null))
                .pathStyle(repository.get(Settings.S3_PATH_STYLE).orElse(false))
                .credentials(repository.get(Settings.S3_ACCESS_KEY_ID).orElse(null),
                        repository.get(Settings.S3_SECRET_ACCESS_KEY).orElse(null))
                .sse(repository.get(Settings.S3_SSE).orElse(null), null)
                .storageClass(repository.get(Settings.S3_STORAGE_CLASS).orElse(null));
        // driver knobs the configuration module may not declare (yet): used once it does
        optional(repository, "s3.part-size").map(RepositorySettings::bytes).ifPresent(s3::partSize);
        optional(repository, "s3.parts-in-flight").map(v -> (int) bytes(v)).ifPresent(s3::partsInFlight);
        optional(repository, "s3.max-attempts").map(v -> (int) bytes(v)).ifPresent(s3::maxAttempts);
        optional(repository, "s3.sse-kms-key-id").map(String::valueOf)
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

    private static java.util.Optional<Object> optional(SettingValues values, String key) {
        return Settings.byKey(Scope.REPOSITORY, key).flatMap(setting -> values.get(setting).map(v -> (Object) v));
    }

    /** A count or size: a number, or text like {@code 8388608}, {@code 16MiB}, {@code 8 MB}. */
    static long bytes(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        String text = String.valueOf(value).strip().toUpperCase(java.util.Locale.ROOT).replace(" ", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(KIB|KB|K|MIB|MB|M|GIB|GB|G)?").matcher(text);
        if (!m.matches()) {
            throw new PgnestException(ErrorKind.CONFIG, "'" + value + "' is not a size", "write bytes or a size like 16MiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1);
        return switch (unit) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            case "G" -> n << 30;
            default -> n;
        };
    }

    public static Compression compression(SettingValues repository) {
        return Compression.parse(repository.get(Settings.COMPRESSION).orElse("zstd"));
    }

    public static int compressionLevel(SettingValues repository) {
        return compression(repository).checkLevel(repository.get(Settings.COMPRESSION_LEVEL).orElse(3));
    }
}
