package dev.pgnest.backup.logical;

import dev.pgnest.postgres.Databases;
import dev.pgnest.repository.Compression;
import dev.pgnest.repository.RepositoryLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a logical backup does besides dumping.
 *
 * @param target             the configured target name (the repository directory)
 * @param compression        zstd, gzip or none
 * @param compressionLevel   zstd 1-19, gzip 1-9 (ignored for none)
 * @param compressionWorkers zstd threads besides the reading thread (0: compress inline)
 * @param pgBinDir           where pg_dump is; null: detect
 * @param tags               labels for the manifest, e.g. {@code pre-migration}
 * @param precedesMigrations migration versions this backup is taken before
 * @param flywayTable        Flyway's history table, for the schema version
 */
public record LogicalBackupOptions(String target, Compression compression, int compressionLevel,
                                   int compressionWorkers, Path pgBinDir, List<String> tags,
                                   List<String> precedesMigrations, String flywayTable) {
    public LogicalBackupOptions {
        RepositoryLayout.checkTarget(target);
        Objects.requireNonNull(compression, "compression");
        compression.checkLevel(compressionLevel);
        if (compressionWorkers < 0 || compressionWorkers > 16) {
            throw new IllegalArgumentException("compressionWorkers must be 0..16");
        }
        tags = tags == null ? List.of() : List.copyOf(tags);
        precedesMigrations = precedesMigrations == null ? List.of() : List.copyOf(precedesMigrations);
        flywayTable = flywayTable == null ? Databases.FLYWAY_TABLE : flywayTable;
    }

    /**
     * zstd at its default level on the reading thread, pg_dump detected, no tags. Compressing
     * inline keeps up with pg_dump on one core and saves the ~35 MB a zstd worker's job buffers
     * cost; pg_dump and the uploads run in parallel anyway.
     */
    public static LogicalBackupOptions defaults(String target) {
        return new LogicalBackupOptions(target, Compression.ZSTD, Compression.ZSTD.defaultLevel(), 0, null, List.of(),
                List.of(), null);
    }

    public LogicalBackupOptions withCompression(Compression compression, int level) {
        return new LogicalBackupOptions(target, compression, level, compressionWorkers, pgBinDir, tags,
                precedesMigrations, flywayTable);
    }

    public LogicalBackupOptions withPgBinDir(Path pgBinDir) {
        return new LogicalBackupOptions(target, compression, compressionLevel, compressionWorkers, pgBinDir, tags,
                precedesMigrations, flywayTable);
    }

    public LogicalBackupOptions withTags(List<String> tags, List<String> precedesMigrations) {
        return new LogicalBackupOptions(target, compression, compressionLevel, compressionWorkers, pgBinDir, tags,
                precedesMigrations, flywayTable);
    }

    public LogicalBackupOptions withCompressionWorkers(int workers) {
        return new LogicalBackupOptions(target, compression, compressionLevel, workers, pgBinDir, tags,
                precedesMigrations, flywayTable);
    }
}
