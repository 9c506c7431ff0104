package dev.pgnest.bench;

import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For bench/logical-backup.sh: starts a PostgreSQL cluster and the in-process S3 server, writes
 * how to reach them as shell variables to the file given as argument, and runs until stdin
 * closes or the process is terminated (shutdown hooks stop both and delete their files).
 */
public final class BenchServers {
    private BenchServers() {
    }

    public static void main(String[] args) throws Exception {
        Path envFile = Path.of(args[0]);
        try (PostgresCluster pg = PostgresCluster.builder()
                .setting("shared_buffers", "256MB").setting("max_wal_size", "4GB").start();
             S3Server s3 = S3Server.start()) {
            s3.createBucket("bench");
            pg.createDatabase("bench");
            Map<String, String> env = new LinkedHashMap<>();
            env.putAll(pg.libpqEnvironment());
            env.put("PGDATABASE", "bench");
            env.put("PG_BIN_DIR", pg.binDir().toString());
            env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/bench");
            env.put("PGNEST_DB_PASSWORD", pg.password());
            env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
            env.put("PGNEST_S3_BUCKET", "bench");
            env.put("PGNEST_S3_PREFIX", "pgnest");
            env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
            env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
            env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
            StringBuilder sh = new StringBuilder();
            env.forEach((k, v) -> sh.append("export ").append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
            Path tmp = envFile.resolveSibling(envFile.getFileName() + ".tmp");
            Files.writeString(tmp, sh);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, envFile, StandardCopyOption.ATOMIC_MOVE);
            System.in.transferTo(java.io.OutputStream.nullOutputStream()); // until the script closes our stdin
        }
    }
}
