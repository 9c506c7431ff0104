package dev.pgnest.storage.s3;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.storage.IncompleteWrite;
import dev.pgnest.storage.ObjectInfo;
import dev.pgnest.storage.ObjectKeys;
import dev.pgnest.storage.ObjectNotFoundException;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.StorageOutput;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.RetryableException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket under a key prefix, through AWS SDK v2. SDK types stay in this
 * package: callers see {@link Storage} and {@link StorageException} only.
 *
 * <p>Writes stream: data is cut into parts of {@code partSize}, uploaded by a shared pool with
 * at most {@code partsInFlight} parts per object in flight; an object that fits in one part is
 * a single PUT. Each request is retried by the SDK (throttling, 5xx, network errors) with
 * exponential backoff; each part carries a transport checksum (CRC32C, or Content-MD5 where
 * the store needs it), so the server rejects a part corrupted on the way. Small whole-object reads ({@link #getBytes}) and listings are read
 * inside the SDK call, so a body that breaks off after the headers arrived is retried too,
 * within the same attempts; a stream from {@link #get} is read by the caller, after the call, so
 * it resumes a cut body itself with ranged GETs ({@link ResumingDownload}).
 */
public final class S3Storage implements Storage {
    private final S3StorageConfig config;
    private final S3Client client;
    /** Set only when TLS verification is off: the SDK does not close a client it was handed. */
    private final software.amazon.awssdk.http.SdkHttpClient unverifiedHttp;
    private final String basePrefix;
    private final ExecutorService uploads;
    /** Between attempts of a request, and of a download's resumptions. */
    static final BackoffStrategy BACKOFF = BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(20));

    S3Storage(S3StorageConfig config) {
        this.config = config;
        this.basePrefix = config.prefix().isEmpty() ? "" : config.prefix() + "/";
        this.unverifiedHttp = config.verifyTls() ? null : unverifiedHttpClient(config);
        this.client = buildClient(config, unverifiedHttp);
        this.uploads = Executors.newCachedThreadPool(daemonThreads("pgnest-s3-upload"));
    }

    private static Apache5HttpClient.Builder http(S3StorageConfig config) {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder()
                .maxConnections(Math.max(50, config.partsInFlight() * 2 + 16))
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(120));
        if (config.endpoint() != null && "http".equals(config.endpoint().getScheme())) {
            // the client builds its TLS context up front, reading the JDK's trust store (about
            // 0.1 s of CPU at every start); a plain-http store never needs it
            http.tlsSocketStrategy(new LazyTls());
        }
        return http;
    }

    /** TLS set up on first use only: a plain-http endpoint would need it only if it redirected to https. */
    private static final class LazyTls implements org.apache.hc.client5.http.ssl.TlsSocketStrategy {
        private org.apache.hc.client5.http.ssl.TlsSocketStrategy tls;

        @Override
        public synchronized javax.net.ssl.SSLSocket upgrade(java.net.Socket socket, String target, int port,
                                                            Object attachment,
                                                            org.apache.hc.core5.http.protocol.HttpContext context)
                throws java.io.IOException {
            if (tls == null) {
                tls = org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy.createDefault();
            }
            return tls.upgrade(socket, target, port, attachment, context);
        }
    }

    private static software.amazon.awssdk.http.SdkHttpClient unverifiedHttpClient(S3StorageConfig config) {
        org.slf4j.LoggerFactory.getLogger(S3Storage.class).warn(
                "TLS certificate verification is OFF for {} (s3.verify-tls=false): anyone on the path can read and change "
                        + "backups in transit; use it only for a test store with a self-signed certificate", config.describe());
        return http(config).buildWithDefaults(software.amazon.awssdk.utils.AttributeMap.builder()
                .put(software.amazon.awssdk.http.SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE)
                .build());
    }

    private static S3Client buildClient(S3StorageConfig config, software.amazon.awssdk.http.SdkHttpClient unverifiedHttp) {
        RetryStrategy retries = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(config.maxAttempts())
                .backoffStrategy(BACKOFF)
                .throttlingBackoffStrategy(
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(500), Duration.ofSeconds(20)))
                // the retry quota would stop retrying a long upload after a burst of errors;
                // each request is already bounded by maxAttempts
                .circuitBreakerEnabled(false)
                .build();
        S3ClientBuilder builder = S3Client.builder();
        if (unverifiedHttp == null) {
            builder.httpClientBuilder(http(config));
        } else {
            builder.httpClient(unverifiedHttp);
        }
        builder
                .forcePathStyle(config.pathStyle())
                // the SDK's default is a trailing checksum in aws-chunked bodies, which some
                // S3-compatible servers reject; pgnest sends its own (CRC32C or Content-MD5) as a
                // header, and each object's SHA-256 is checked on every read
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .putAuthScheme(UnsignedPayloadSigner.SCHEME)
                .overrideConfiguration(o -> o.retryStrategy(retries).addExecutionInterceptor(new RetryCutListings()))
                .credentialsProvider(credentials(config));
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        if (config.region() != null) {
            builder.region(Region.of(config.region()));
        } else if (config.endpoint() != null) {
            builder.region(Region.US_EAST_1);
        }
        try {
            return builder.build();
        } catch (SdkClientException e) {
            throw new PgnestException(ErrorKind.CONFIG,
                    "cannot set up the S3 client for " + config.describe() + ": " + e.getMessage(),
                    "set the repository's S3 region (or AWS_REGION) and endpoint", e);
        }
    }

    private static AwsCredentialsProvider credentials(S3StorageConfig config) {
        if (config.accessKeyId() != null) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    @Override
    public StorageOutput create(String key) {
        return new S3Output(this, ObjectKeys.check(key));
    }

    /**
     * One PutObject whatever the length (S3 takes up to 5 GiB in one, more than an array holds):
     * the bytes are in memory already, so a multipart upload would only add requests.
     */
    @Override
    public void put(String key, byte[] bytes, int offset, int length) {
        putObject(ObjectKeys.check(key), bytes, offset, length);
    }

    /** A whole object in one PutObject, with its transport checksum (S3 rejects a body that does not match). */
    void putObject(String key, byte[] data, int offset, int length) {
        String checksum = Base64.getEncoder().encodeToString(config.checksum().of(data, offset, length));
        try {
            client.putObject(b -> {
                b.bucket(config.bucket()).key(fullKey(key)).contentLength((long) length);
                if (config.checksum() == S3StorageConfig.Checksum.CRC32C) {
                    b.checksumCRC32C(checksum);
                } else {
                    b.contentMD5(checksum);
                }
                if (config.sse() != null) {
                    b.serverSideEncryption(config.sse()).ssekmsKeyId(config.sseKmsKeyId());
                }
                if (config.storageClass() != null) {
                    b.storageClass(config.storageClass());
                }
            }, S3Output.body(data, offset, length));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("write", key, e);
        }
    }

    /** A stream that resumes a body cut mid-way with ranged GETs ({@link ResumingDownload}). */
    @Override
    public InputStream get(String key, long offset, long length) {
        ObjectKeys.check(key);
        if (length == 0) {
            if (stat(key).isEmpty()) {
                throw new ObjectNotFoundException(key, location(key));
            }
            return InputStream.nullInputStream();
        }
        return ResumingDownload.open(this, key, Math.max(offset, 0), length);
    }

    GetObjectRequest.Builder getRequest(String key) {
        return GetObjectRequest.builder().bucket(config.bucket()).key(fullKey(key));
    }

    /**
     * Reads the object inside the SDK call, so that a body cut after the headers arrived (a reset,
     * a truncation) is retried like any other network error, with the same attempts and backoff;
     * a stream from {@link #get} is read after the call returned, beyond the SDK's retries.
     */
    @Override
    public byte[] getBytes(String key) {
        ObjectKeys.check(key);
        try {
            return client.getObjectAsBytes(b -> b.bucket(config.bucket()).key(fullKey(key))).asByteArrayUnsafe();
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("read", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        ObjectKeys.check(key);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(config.bucket()).key(fullKey(key)));
            return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
                return Optional.empty();
            }
            throw translate("stat", key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("stat", key, e);
        }
    }

    /** The object's metadata with its checksums, or empty when it does not exist. */
    Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(client.headObject(b -> b.bucket(config.bucket()).key(fullKey(key))
                    .checksumMode(ChecksumMode.ENABLED)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw translate("stat", key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("stat", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        List<ObjectInfo> result = new ArrayList<>();
        try {
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(config.bucket())
                    .prefix(basePrefix + prefix)).contents()) {
                result.add(new ObjectInfo(relativeKey(o.key()), o.size(), o.lastModified()));
            }
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("list", prefix, e);
        }
        result.sort((a, b) -> a.key().compareTo(b.key()));
        return result;
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        ObjectKeys.checkDirectory(prefix);
        List<String> result = new ArrayList<>();
        try {
            for (CommonPrefix p : client.listObjectsV2Paginator(b -> b.bucket(config.bucket())
                    .prefix(basePrefix + prefix).delimiter("/")).commonPrefixes()) {
                result.add(relativeKey(p.prefix()));
            }
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("list", prefix, e);
        }
        result.sort(String::compareTo);
        return result;
    }

    @Override
    public void delete(String key) {
        ObjectKeys.check(key);
        try {
            client.deleteObject(b -> b.bucket(config.bucket()).key(fullKey(key)));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("delete", key, e);
        }
    }

    @Override
    public void delete(Collection<String> keys) {
        List<String> all = new ArrayList<>(keys);
        all.forEach(ObjectKeys::check);
        // DeleteObjects takes at most 1000 keys per request
        for (int from = 0; from < all.size(); from += 1000) {
            List<ObjectIdentifier> batch = all.subList(from, Math.min(all.size(), from + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(fullKey(k)).build())
                    .toList();
            try {
                DeleteObjectsResponse response = client.deleteObjects(b -> b.bucket(config.bucket())
                        .delete(Delete.builder().objects(batch).quiet(true).build()));
                if (response.hasErrors() && !response.errors().isEmpty()) {
                    var first = response.errors().get(0);
                    throw new StorageException("cannot delete " + response.errors().size() + " objects, first "
                            + location(relativeKey(first.key())) + ": " + first.code() + " " + first.message(),
                            "check the S3 credentials allow s3:DeleteObject, then retry");
                }
            } catch (SdkException | java.io.UncheckedIOException e) {
                throw translate("delete", all.get(from), e);
            }
        }
    }

    @Override
    public List<IncompleteWrite> listIncomplete(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        List<IncompleteWrite> result = new ArrayList<>();
        try {
            for (MultipartUpload u : client.listMultipartUploadsPaginator(b -> b.bucket(config.bucket())
                    .prefix(basePrefix + prefix)).uploads()) {
                if (u.key().startsWith(basePrefix)) {
                    result.add(new IncompleteWrite(relativeKey(u.key()), u.uploadId(), u.initiated()));
                }
            }
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("list uploads of", prefix, e);
        }
        result.sort((a, b) -> a.key().equals(b.key()) ? a.started().compareTo(b.started()) : a.key().compareTo(b.key()));
        return result;
    }

    @Override
    public void abort(IncompleteWrite write) {
        abortUpload(write.key(), write.id());
    }

    void abortUpload(String key, String uploadId) {
        try {
            client.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                    .bucket(config.bucket()).key(fullKey(key)).uploadId(uploadId).build());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return; // already gone: aborted or completed
            }
            throw translate("abort the upload of", key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw translate("abort the upload of", key, e);
        }
    }

    @Override
    public String location(String key) {
        return "s3://" + config.bucket() + "/" + basePrefix + key;
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        client.close();
        if (unverifiedHttp != null) {
            unverifiedHttp.close();
        }
    }

    S3StorageConfig config() {
        return config;
    }


    S3Client client() {
        return client;
    }

    ExecutorService uploads() {
        return uploads;
    }

    String fullKey(String key) {
        return basePrefix + key;
    }

    private String relativeKey(String fullKey) {
        return fullKey.startsWith(basePrefix) ? fullKey.substring(basePrefix.length()) : fullKey;
    }

    static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** One line naming the object and the likely fix; SDK messages never contain the secret. */
    StorageException translate(String action, String key, RuntimeException e) {
        if (e instanceof java.io.UncheckedIOException u) {
            // the SDK lets some I/O failures out unwrapped (FunctionalUtils.invokeSafely)
            return StorageException.io(action, location(key), u.getCause());
        }
        String where = location(key);
        if (e instanceof S3Exception s3) {
            String code = errorCode(s3);
            if ("NoSuchBucket".equals(code)) {
                return new StorageException("S3 bucket '" + config.bucket() + "' does not exist"
                        + (config.endpoint() == null ? "" : " at " + config.endpoint()),
                        "create the bucket, or fix the repository's bucket and endpoint settings", e);
            }
            if (s3.statusCode() == 404 && ("NoSuchKey".equals(code) || code == null)) {
                return new ObjectNotFoundException(key, where);
            }
            if (s3.statusCode() == 403) {
                return new StorageException("S3 denied access to " + where + " (" + code + ")",
                        "check the S3 access key, secret and region, and that the bucket policy allows "
                                + "s3:GetObject, PutObject, DeleteObject, ListBucket and AbortMultipartUpload", e);
            }
            if ("BadDigest".equals(code) || "XAmzContentChecksumMismatch".equals(code)) {
                return new StorageException("cannot " + action + " " + where + ": the bytes S3 received do not match "
                        + "their checksum (" + code + "): they were damaged on the way",
                        "retry; if it repeats, check the network path to the S3 endpoint (proxies, network cards)", e);
            }
            if (config.checksum() == S3StorageConfig.Checksum.CRC32C && refusesFlexibleChecksums(s3, code)) {
                return new StorageException("cannot " + action + " " + where + ": S3 answered HTTP " + s3.statusCode()
                        + " " + code + ", as a store does that does not support the x-amz-checksum-crc32c header",
                        "set s3.checksum: md5 for this repository (PGNEST_S3_CHECKSUM=md5)", e);
            }
            return new StorageException("cannot " + action + " " + where + ": S3 answered HTTP "
                    + s3.statusCode() + " " + code + " after " + config.maxAttempts() + " attempts",
                    "retry later; if it persists, check the S3 service and raise the S3 max attempts", e);
        }
        if (e instanceof RetryableException) {
            // the SDK's retries are spent: a body kept breaking off after the headers arrived
            return new StorageException("cannot " + action + " " + where + ": the response broke off while being read ("
                    + rootMessage(e) + ") after " + config.maxAttempts() + " attempts",
                    "check the network to the S3 endpoint (proxies, load balancers, timeouts), then retry; "
                            + "if it persists, raise the S3 max attempts", e);
        }
        if (e.getMessage() != null && e.getMessage().startsWith("Unable to load credentials")) {
            return new StorageException("cannot " + action + " " + where + ": no S3 credentials were found",
                    "set s3.access-key-id and s3.secret-access-key (PGNEST_S3_ACCESS_KEY_ID, PGNEST_S3_SECRET_ACCESS_KEY), "
                            + "or give the host AWS credentials (AWS_ACCESS_KEY_ID…, ~/.aws/credentials, an instance role)", e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathBuilderException) {
                return new StorageException("cannot " + action + " " + where + ": the TLS certificate of "
                        + (config.endpoint() == null ? "the S3 endpoint" : config.endpoint())
                        + " is not trusted or does not match (" + rootMessage(t) + ")",
                        "add the certificate's CA to Java's trust store (JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=FILE); "
                                + "only for a test store, set s3.verify-tls: false", e);
            }
        }
        return new StorageException("cannot " + action + " " + where + ": " + e.getMessage(),
                "check the S3 endpoint, the network and the credentials, then retry", e);
    }

    /** A store that does not know S3's flexible checksums rejects the header or the upload's algorithm. */
    private static boolean refusesFlexibleChecksums(S3Exception e, String code) {
        String message = e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? ""
                : e.awsErrorDetails().errorMessage().toLowerCase(java.util.Locale.ROOT);
        return (e.statusCode() == 400 || e.statusCode() == 501)
                && ("NotImplemented".equals(code) || message.contains("checksum"));
    }

    /** The innermost message, without the exception class names Java puts in front of it. */
    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replaceAll("[a-z]+(\\.[a-zA-Z0-9_$]+)+(Exception|Error): ", "");
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
