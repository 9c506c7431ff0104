package dev.pgnest.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.SettingValues;
import dev.pgnest.storage.fs.FsStorageConfig;
import dev.pgnest.storage.s3.S3StorageConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepositorySettingsTest {

    private static SettingValues repository(Map<String, String> env) {
        return new ConfigLoader(null, env, Map.of(), Path.of("")).load().repository();
    }

    @Test
    void s3SettingsMapOntoTheDriverConfig() {
        SettingValues repo = repository(Map.of("PGNEST_S3_BUCKET", "backups", "PGNEST_S3_ENDPOINT", "http://127.0.0.1:9000",
                "AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK", "PGNEST_S3_SSE", "AES256",
                "PGNEST_COMPRESSION", "gzip", "PGNEST_COMPRESSION_LEVEL", "6"));
        S3StorageConfig s3 = (S3StorageConfig) RepositorySettings.storage(repo);
        assertThat(s3.bucket()).isEqualTo("backups");
        assertThat(s3.prefix()).isEqualTo("pgnest");
        assertThat(s3.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        assertThat(s3.region()).isEqualTo("us-east-1");
        assertThat(s3.pathStyle()).isTrue();
        assertThat(s3.accessKeyId()).isEqualTo("AK");
        assertThat(s3.secretAccessKey()).isEqualTo("SK");
        assertThat(s3.sse()).isEqualTo("AES256");
        assertThat(s3.partSize()).isEqualTo(S3StorageConfig.DEFAULT_PART_SIZE);
        assertThat(s3.checksum()).isEqualTo(S3StorageConfig.Checksum.CRC32C);
        assertThat(RepositorySettings.compression(repo)).isEqualTo(Compression.GZIP);
        assertThat(RepositorySettings.compressionLevel(repo)).isEqualTo(6);
    }

    @Test
    void theTransportChecksumIsCrc32cUnlessAStoreNeedsContentMd5() {
        S3StorageConfig md5 = (S3StorageConfig) RepositorySettings.storage(repository(Map.of(
                "PGNEST_S3_BUCKET", "b", "PGNEST_S3_CHECKSUM", "md5")));
        assertThat(md5.checksum()).isEqualTo(S3StorageConfig.Checksum.MD5);
        assertThatThrownBy(() -> repository(Map.of("PGNEST_S3_BUCKET", "b", "PGNEST_S3_CHECKSUM", "sha1")))
                .hasMessageContaining("sha1").hasMessageContaining("crc32c");
    }

    @Test
    void fsSettingsNeedAPath() {
        assertThat(RepositorySettings.storage(repository(Map.of("PGNEST_REPO_TYPE", "fs", "PGNEST_REPO_PATH", "/var/backups"))))
                .isEqualTo(new FsStorageConfig(Path.of("/var/backups")));
        assertThatThrownBy(() -> RepositorySettings.storage(repository(Map.of("PGNEST_REPO_TYPE", "fs"))))
                .hasMessageStartingWith("PGNEST_REPO_PATH is not set");
        assertThatThrownBy(() -> RepositorySettings.compressionLevel(repository(Map.of("PGNEST_COMPRESSION", "gzip",
                "PGNEST_COMPRESSION_LEVEL", "12")))).hasMessageContaining("use a level from 1 to 9 for gzip");
    }

    @Test
    void partSizeIsBytesOrUnits() {
        assertThat(dev.pgnest.config.SettingType.SIZE.parse("8388608")).isEqualTo(8L << 20);
        assertThat(dev.pgnest.config.SettingType.SIZE.parse("16MiB")).isEqualTo(16L << 20);
        assertThat(dev.pgnest.config.SettingType.SIZE.parse("1 G")).isEqualTo(1L << 30);
        assertThatThrownBy(() -> repository(Map.of("PGNEST_S3_PART_SIZE", "lots")))
                .hasMessageContaining("'lots' is not a size: expected size (8MiB, 1GiB)");
    }
}
