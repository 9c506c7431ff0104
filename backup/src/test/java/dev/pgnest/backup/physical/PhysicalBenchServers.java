package dev.pgnest.backup.physical;

import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * For bench/physical-backup.sh and bench/wal-push.sh: one PostgreSQL cluster (archiving on,
 * archive_command empty until the script sets one) and an in-process S3 server over HTTPS
 * (pgBackRest speaks only TLS to S3) with the keystore given as argument; both tools use the
 * same TLS endpoint. Writes shell exports to the file given as argument and runs until stdin
 * closes.
 *
 * <p>Arguments: env-file keystore.p12 keystore-password store-dir
 */
public final class PhysicalBenchServers {
    private PhysicalBenchServers() {
    }

    public static void main(String[] args) throws Exception {
        Path envFile = Path.of(args[0]);
        String keystore = args[1];
        String keystorePassword = args[2];
        Path store = Path.of(args[3]);
        try (PostgresCluster pg = PostgresCluster.builder()
                .setting("shared_buffers", "256MB").setting("max_wal_size", "16GB").setting("min_wal_size", "1GB")
                .setting("checkpoint_timeout", "1h")
                .setting("wal_level", "replica").setting("archive_mode", "on").setting("archive_command", "")
                .setting("max_wal_senders", "10").start();
             S3Server s3 = S3Server.onDirectory(store)) {
            s3.createBucket("bench");
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", store.toAbsolutePath().toString());
            props.setProperty("jclouds.identity", s3.accessKeyId());
            props.setProperty("jclouds.credential", s3.secretAccessKey());
            BlobStore blobStore = BlobStores.create("filesystem-nio2", props);
            S3Proxy tls = S3Proxy.builder().blobStore(blobStore)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, s3.accessKeyId(), s3.secretAccessKey())
                    .ignoreUnknownHeaders(true)
                    .secureEndpoint(URI.create("https://127.0.0.1:0"))
                    .keyStore(keystore, keystorePassword)
                    .build();
            tls.start();
            while (!"STARTED".equals(tls.getState())) {
                Thread.sleep(10);
            }
            try {
                Map<String, String> env = new LinkedHashMap<>();
                env.putAll(pg.libpqEnvironment());
                env.put("PG_BIN_DIR", pg.binDir().toString());
                env.put("PG_DATA", pg.dataDir().toString());
                env.put("PG_SOCKET_DIR", pg.socketDir().toString());
                env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/postgres");
                env.put("PGNEST_DB_PASSWORD", pg.password());
                env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
                env.put("PGNEST_S3_BUCKET", "bench");
                env.put("PGNEST_S3_ENDPOINT", "https://127.0.0.1:" + tls.getSecurePort());
                env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
                env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
                env.put("S3_TLS_PORT", Integer.toString(tls.getSecurePort()));
                StringBuilder sh = new StringBuilder();
                env.forEach((k, v) -> sh.append("export ").append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
                Path tmp = envFile.resolveSibling(envFile.getFileName() + ".tmp");
                Files.writeString(tmp, sh);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                Files.move(tmp, envFile, StandardCopyOption.ATOMIC_MOVE);
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
            } finally {
                tls.stop();
            }
        }
    }
}
