package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import dev.pgnest.testing.Servers;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** An encrypted repository end to end: backups work and verify, the bucket holds no plaintext, a wrong or missing key and tampering are named. */
@IntegrationTest
class EncryptionCommandTest {
    @RegisterExtension
    static final Servers servers = Servers.withPostgres().andS3("backups");

    private static PostgresCluster pg; // started by servers
    private static S3Server s3; // started by servers

    @TempDir
    Path dir;

    @BeforeAll
    static void createData() {
        pg.createDatabase("app");
        pg.execute("app", "create table babies (id int primary key, name text); "
                + "insert into babies select g, 'baby-name-' || g from generate_series(1, 2000) g;");
    }

    private static String key(long seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    private Map<String, String> env(String prefix, String key) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/app");
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_S3_BUCKET", "backups");
        env.put("PGNEST_S3_PREFIX", prefix);
        env.put("PGNEST_S3_ENDPOINT", s3.endpoint().toString());
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        if (key != null) {
            env.put("PGNEST_ENCRYPTION", "aes-256-gcm");
            env.put("PGNEST_ENCRYPTION_KEY", key);
        }
        return env;
    }

    @Test
    void encryptedBackupsVerifyAndAWrongKeyOrTamperingIsNamed() {
        Map<String, String> env = env("enc", key(1));
        assertThat(CliRun.run(env, dir, "repo", "init").exitCode()).isZero();
        CliRun backup = CliRun.run(env, dir, "backup", "logical");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        CliRun verify = CliRun.run(env, dir, "backup", "verify", "--all", "--deep");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();

        // nothing in the bucket is readable without the key
        for (var o : s3.client().listObjectsV2(b -> b.bucket("backups").prefix("enc/")).contents()) {
            byte[] stored = s3.client().getObjectAsBytes(b -> b.bucket("backups").key(o.key())).asByteArray();
            assertThat(new String(stored, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).as(o.key()).isEqualTo("PGNE");
            assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("baby-name-").doesNotContain("\"kind\"");
        }

        CliRun wrongKey = CliRun.run(env("enc", key(2)), dir, "backup", "list");
        assertThat(wrongKey.exitCode()).isEqualTo(2);
        assertThat(wrongKey.err()).contains("was encrypted with key id").contains("not with the configured key");

        CliRun noKey = CliRun.run(env("enc", null), dir, "backup", "list");
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.err()).contains("is encrypted: set PGNEST_ENCRYPTION=aes-256-gcm");

        // one flipped bit in the dump: verify fails naming the object
        String dump = s3.client().listObjectsV2(b -> b.bucket("backups").prefix("enc/")).contents().stream()
                .map(o -> o.key()).filter(k -> k.contains("/backups/") && !k.endsWith(".json")).findFirst().orElseThrow();
        byte[] stored = s3.client().getObjectAsBytes(b -> b.bucket("backups").key(dump)).asByteArray();
        stored[stored.length / 2] ^= 0x10;
        s3.client().putObject(b -> b.bucket("backups").key(dump), RequestBody.fromBytes(stored));
        CliRun tampered = CliRun.run(env, dir, "backup", "verify", "--all");
        assertThat(tampered.exitCode()).isNotZero();
        assertThat(tampered.out() + tampered.err()).contains("failed authentication");
    }
}
