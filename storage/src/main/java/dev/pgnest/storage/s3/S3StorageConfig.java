package dev.pgnest.storage.s3;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageConfig;
import java.net.URI;
import java.util.Locale;

/**
 * An S3 (or S3-compatible) repository location and how to talk to it.
 *
 * @param bucket          the bucket; must exist
 * @param prefix          key prefix inside the bucket ({@code ""} for the bucket root); no
 *                        leading or trailing slash needed
 * @param endpoint        custom endpoint (MinIO, Ceph, S3Proxy…); null for AWS
 * @param region          signing region; null: the SDK's default chain, or {@code us-east-1}
 *                        when a custom endpoint is set
 * @param pathStyle       path-style addressing ({@code endpoint/bucket/key}), which most
 *                        S3-compatible servers need
 * @param accessKeyId     static credentials; null: the SDK's default chain (env, profile,
 *                        instance role)
 * @param secretAccessKey secret of the static credentials (never printed)
 * @param sse             server-side encryption: null/{@code none}, {@code AES256} or
 *                        {@code aws:kms}
 * @param sseKmsKeyId     KMS key for {@code aws:kms}; null: the bucket's default key
 * @param storageClass    e.g. {@code STANDARD_IA}; null: the bucket default
 * @param partSize        multipart part size in bytes (5 MiB…5 GiB, default 8 MiB); objects
 *                        smaller than one part are a single PUT. S3 allows 10,000 parts, so a
 *                        writer doubles its part size every 2,000 parts (8 MiB: ~480 GiB).
 * @param partsInFlight   parts uploaded concurrently per object; a writer's memory is
 *                        {@code (partsInFlight + 1) * partSize} for its first 2,000 parts
 * @param maxAttempts     attempts per request (first try included) on throttling, 5xx and
 *                        network errors, with exponential backoff and jitter
 * @param verifyTls       whether the endpoint's certificate and host name are checked
 * @param checksum        the transport checksum each upload carries, which the store checks
 *                        before it keeps the bytes
 */
public record S3StorageConfig(
        String bucket,
        String prefix,
        URI endpoint,
        String region,
        boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        String sse,
        String sseKmsKeyId,
        String storageClass,
        long partSize,
        int partsInFlight,
        int maxAttempts,
        boolean verifyTls,
        Checksum checksum) implements StorageConfig {

    /**
     * How an upload proves to the store that its bytes arrived as sent. The object's own
     * SHA-256 (in the manifest) is the integrity check; this one only guards the transfer, so
     * it should cost next to nothing.
     */
    public enum Checksum {
        /** S3's flexible checksum {@code x-amz-checksum-crc32c}: CPU-cheap (a hardware instruction). */
        CRC32C,
        /** {@code Content-MD5}: for S3-compatible stores that reject flexible checksums. */
        MD5;

        /** The setting's spelling ({@code crc32c}, {@code md5}). */
        public static Checksum parse(String name) {
            for (Checksum c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new PgnestException(ErrorKind.CONFIG, "unknown S3 checksum '" + name + "'", "use crc32c or md5");
        }

        /** The checksum of {@code length} bytes as S3 takes it: 4 bytes of CRC32C (big-endian) or 16 of MD5. */
        byte[] of(byte[] data, int offset, int length) {
            if (this == MD5) {
                try {
                    java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
                    md5.update(data, offset, length);
                    return md5.digest();
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(data, offset, length);
            int v = (int) crc.getValue();
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
    }

    public static final long MIB = 1024L * 1024;
    public static final long DEFAULT_PART_SIZE = 8 * MIB;
    public static final int DEFAULT_PARTS_IN_FLIGHT = 4;
    public static final int DEFAULT_MAX_ATTEMPTS = 6;
    /** S3's limits: every part but the last at least 5 MiB, at most 5 GiB, at most 10,000 parts. */
    static final long MIN_PART_SIZE = 5 * MIB;
    static final long MAX_PART_SIZE = 5 * 1024 * MIB;
    static final int MAX_PARTS = 10_000;
    /** A writer doubles its part size after this many parts, so unknown lengths fit in 10,000 parts. */
    static final int PARTS_PER_SIZE = 2_000;

    public S3StorageConfig {
        if (bucket == null || bucket.isBlank()) {
            throw config("no S3 bucket is configured", "set the repository's S3 bucket");
        }
        prefix = normalizePrefix(prefix);
        region = blankToNull(region);
        accessKeyId = blankToNull(accessKeyId);
        secretAccessKey = blankToNull(secretAccessKey);
        sse = blankToNull(sse);
        if (sse != null && sse.equalsIgnoreCase("none")) {
            sse = null;
        }
        if (sse != null && !sse.equals("AES256") && !sse.equals("aws:kms")) {
            throw config("unknown S3 server-side encryption '" + sse + "'",
                    "use none, AES256 or aws:kms");
        }
        sseKmsKeyId = blankToNull(sseKmsKeyId);
        if (sseKmsKeyId != null && !"aws:kms".equals(sse)) {
            throw config("an S3 KMS key id is set but server-side encryption is not aws:kms",
                    "set the encryption to aws:kms or remove the KMS key id");
        }
        storageClass = blankToNull(storageClass);
        if (storageClass != null) {
            storageClass = storageClass.toUpperCase(Locale.ROOT);
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw config("only one of the S3 access key id and secret access key is set",
                    "set both, or neither to use the default credential chain (environment, profile, instance role)");
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw config("S3 part size " + partSize + " bytes is outside S3's limits (5 MiB to 5 GiB)",
                    "set a part size between 5 MiB and 5 GiB (default 8 MiB)");
        }
        if (partsInFlight < 1 || partsInFlight > 64) {
            throw config("S3 parts in flight " + partsInFlight + " is outside 1..64",
                    "set parts in flight between 1 and 64 (default 4)");
        }
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw config("S3 max attempts " + maxAttempts + " is outside 1..20",
                    "set max attempts between 1 and 20 (default 6)");
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
            throw config("S3 endpoint '" + endpoint + "' is not an http(s) URL",
                    "set the endpoint like https://s3.example.com:9000");
        }
        if (checksum == null) {
            checksum = Checksum.CRC32C;
        }
    }

    /** A builder with the defaults above; bucket is required. */
    public static Builder builder(String bucket) {
        return new Builder(bucket);
    }

    @Override
    public Storage open() {
        return new S3Storage(this);
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix)
                + (endpoint == null ? "" : " at " + endpoint);
    }

    /** The largest object this configuration can store (10,000 parts of growing size). */
    public long maxObjectSize() {
        long total = 0;
        for (int i = 0; i < MAX_PARTS / PARTS_PER_SIZE; i++) {
            total += Math.min(partSize << i, MAX_PART_SIZE) * PARTS_PER_SIZE;
        }
        return total;
    }

    @Override
    public String toString() {
        // a record's generated toString would print the secret
        return "S3StorageConfig[" + describe() + ", region=" + region + ", pathStyle=" + pathStyle
                + ", accessKeyId=" + accessKeyId + ", secretAccessKey=" + (secretAccessKey == null ? null : "***")
                + ", sse=" + sse + ", storageClass=" + storageClass + ", partSize=" + partSize
                + ", partsInFlight=" + partsInFlight + ", maxAttempts=" + maxAttempts + ", checksum=" + checksum + "]";
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static PgnestException config(String problem, String hint) {
        return new PgnestException(ErrorKind.CONFIG, problem, hint);
    }

    /** Fluent construction; every setter is optional except the bucket given to {@link #builder}. */
    public static final class Builder {
        private final String bucket;
        private String prefix = "";
        private URI endpoint;
        private String region;
        private boolean pathStyle;
        private String accessKeyId;
        private String secretAccessKey;
        private String sse;
        private String sseKmsKeyId;
        private String storageClass;
        private long partSize = DEFAULT_PART_SIZE;
        private int partsInFlight = DEFAULT_PARTS_IN_FLIGHT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private boolean verifyTls = true;
        private Checksum checksum = Checksum.CRC32C;

        private Builder(String bucket) {
            this.bucket = bucket;
        }

        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder pathStyle(boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        public Builder credentials(String accessKeyId, String secretAccessKey) {
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            return this;
        }

        public Builder sse(String sse, String kmsKeyId) {
            this.sse = sse;
            this.sseKmsKeyId = kmsKeyId;
            return this;
        }

        public Builder storageClass(String storageClass) {
            this.storageClass = storageClass;
            return this;
        }

        public Builder partSize(long partSize) {
            this.partSize = partSize;
            return this;
        }

        public Builder partsInFlight(int partsInFlight) {
            this.partsInFlight = partsInFlight;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Whether the endpoint's TLS certificate and host name are checked (default: yes). */
        public Builder verifyTls(boolean verifyTls) {
            this.verifyTls = verifyTls;
            return this;
        }

        /** The transport checksum of every upload (default CRC32C). */
        public Builder checksum(Checksum checksum) {
            this.checksum = checksum;
            return this;
        }

        public S3StorageConfig build() {
            return new S3StorageConfig(bucket, prefix, endpoint, region, pathStyle, accessKeyId,
                    secretAccessKey, sse, sseKmsKeyId, storageClass, partSize, partsInFlight, maxAttempts, verifyTls,
                    checksum);
        }
    }
}
