package dev.pgnest.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.FaultyProxy;
import dev.pgnest.testing.FaultyProxy.Fault;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the randomized trials share: how many, the seed, pgnest as a child JVM (so that it can
 * be killed), the S3 repository's environment, the fault rates of a trial, the after-the-chaos
 * repository check after each trial, the proof that every fault kind was met, and the per-path summary line that
 * {@code -Preliability} prints.
 */
final class Trials {
    static final int COUNT = Integer.getInteger("pgnest.reliability.trials", 3);
    static final long SEED = Long.getLong("pgnest.reliability.seed", System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    private Trials() {
    }

    static Map<String, String> s3Env(PostgresCluster pg, String database, S3Server s3, String bucket, String prefix,
                                     String endpoint) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + database);
        env.put("PGNEST_DB_PASSWORD", pg.password());
        env.put("PGNEST_S3_BUCKET", bucket);
        env.put("PGNEST_S3_PREFIX", prefix);
        env.put("PGNEST_S3_ENDPOINT", endpoint);
        env.put("PGNEST_S3_ACCESS_KEY_ID", s3.accessKeyId());
        env.put("PGNEST_S3_SECRET_ACCESS_KEY", s3.secretAccessKey());
        env.put("PGNEST_S3_MAX_ATTEMPTS", "3");
        env.put("PGNEST_PG_BIN_DIR", pg.binDir().toString());
        return env;
    }

    /**
     * One trial's fault rates: a random share between 2% and {@code 2% + spread}, over every kind;
     * trial 0 also queues one fault of each kind, so that a short run meets them all. The rates
     * are set without {@code heal()}, which would drop queued faults not yet injected.
     */
    /** The kinds the trials inject: every one but the proxy's scripted lost response. */
    static final List<Fault> KINDS = List.of(Fault.SERVER_ERROR, Fault.SLOW_DOWN, Fault.RESET_MID_BODY,
            Fault.TRUNCATED_BODY, Fault.LATENCY);

    static void faultRates(FaultyProxy proxy, Random random, int trial, double spread) {
        double rate = 0.02 + random.nextDouble() * spread;
        proxy.rate(Fault.SERVER_ERROR, rate / 4).rate(Fault.SLOW_DOWN, rate / 4)
                .rate(Fault.RESET_MID_BODY, rate / 4).rate(Fault.TRUNCATED_BODY, rate / 8).rate(Fault.LATENCY, rate / 8);
        if (trial == 0) {
            proxy.next(KINDS.toArray(Fault[]::new));
        }
    }

    /**
     * Fails unless every fault kind was injected into {@code path} at least once. Every kind
     * applies to every path: each reads objects (the repository's format file at least), and
     * those responses have the bodies that resets and truncations cut.
     */
    static void assertEveryKindInjected(String path, Map<Fault, Long> injected) {
        System.out.printf("reliability %-24s faults by kind: %s%n", path, injected);
        for (Fault kind : KINDS) {
            assertThat(injected.get(kind)).as("%s: %s injected at least once (%s)", path, kind, injected).isPositive();
        }
    }

    /** The per-kind counts of {@code now} minus those of {@code before}: what one phase injected. */
    static Map<Fault, Long> since(Map<Fault, Long> before, Map<Fault, Long> now) {
        Map<Fault, Long> difference = new EnumMap<>(Fault.class);
        now.forEach((kind, n) -> difference.put(kind, n - before.getOrDefault(kind, 0L)));
        return difference;
    }

    static int manifests(S3Server s3, String bucket, String prefix) {
        return (int) s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "/"))
                .contents().stream().filter(o -> o.key().endsWith("/manifest.json")).count();
    }

    /**
     * The consistency check run after each trial (each crash, each faulted run): {@code repo check}
     * exits 0 and leaves no orphan upload, only backups with a manifest are listed, and each listed
     * backup verifies. A backup is verified once, the first time it is listed, so that a run of 50
     * trials does not verify the first backup 50 times. Returns how many new backups did not verify.
     */
    static final class RepositoryAudit {
        private final S3Server s3;
        private final String bucket;
        private final String prefix;
        private final Map<String, String> env;
        private final Path workDir;
        private final Set<String> verified = new HashSet<>();
        private int checks;

        RepositoryAudit(S3Server s3, String bucket, String prefix, Map<String, String> env, Path workDir) {
            this.s3 = s3;
            this.bucket = bucket;
            this.prefix = prefix;
            this.env = env;
            this.workDir = workDir;
        }

        int check() throws Exception {
            checks++;
            CliRun check = CliRun.run(env, workDir, "repo", "check");
            assertThat(check.exitCode()).as("repo check after trial %d: %s %s", checks, check.out(), check.err()).isZero();
            assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket).prefix(prefix + "/")).uploads())
                    .as("no orphan multipart upload after repo check (trial %d)", checks).isEmpty();
            JsonNode list = JSON.readTree(CliRun.run(env, workDir, "backup", "list", "--output", "json").out());
            JsonNode backups = list.isArray() ? list : list.path("backups");
            assertThat(backups.size()).as("only backups with a manifest are listed (trial %d)", checks)
                    .isEqualTo(manifests(s3, bucket, prefix));
            int lost = 0;
            for (JsonNode b : backups) {
                String id = b.get("id").asText();
                if (verified.add(id) && CliRun.run(env, workDir, "backup", "verify", id).exitCode() != 0) {
                    lost++;
                }
            }
            return lost;
        }
    }

    static void report(String path, long faults, String completedLabel, int completed, String failedLabel, int failed,
                       int lost) {
        System.out.printf("reliability %-24s trials=%d faults injected=%d %s=%d %s=%d data lost=%d (seed %d)%n",
                path, COUNT, faults, completedLabel, completed, failedLabel, failed, lost, SEED);
    }

    /** Deletes a restored data directory and everything in it, if it exists. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
