package dev.pgnest.storage.s3;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 with {@code UNSIGNED-PAYLOAD} over plain http as over https. Over http the SDK signs
 * every body byte (SHA-256 of signed aws-chunked frames), a second SHA-256 on top of the one each
 * object carries in the manifest, and the store checks it again; S3 and S3-compatible stores
 * accept an unsigned payload on either scheme, and the upload's transport checksum (CRC32C or
 * Content-MD5) still makes the store reject bytes damaged on the way. The signature covers the
 * method, path, query, host and headers, not the scheme, so the request is signed as if it went
 * over https and then sent over http. Ports 80 and 443 are left to the SDK: there the Host header
 * the signature covers would change with the scheme.
 */
final class UnsignedPayloadSigner implements HttpSigner<AwsCredentialsIdentity> {
    /** Replaces the SDK's SigV4 scheme of an S3 client ({@code putAuthScheme}). */
    static final AuthScheme<AwsCredentialsIdentity> SCHEME = new AuthScheme<>() {
        private final UnsignedPayloadSigner signer = new UnsignedPayloadSigner();

        @Override
        public String schemeId() {
            return AwsV4AuthScheme.SCHEME_ID;
        }

        @Override
        public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
            return providers.identityProvider(AwsCredentialsIdentity.class);
        }

        @Override
        public HttpSigner<AwsCredentialsIdentity> signer() {
            return signer;
        }
    };

    private final AwsV4HttpSigner sigv4 = AwsV4HttpSigner.create();

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest http = request.request();
        if (!"http".equals(http.protocol()) || request.payload().isEmpty() || http.port() == 80 || http.port() == 443) {
            return sigv4.sign(request);
        }
        SignedRequest signed = sigv4.sign(request.copy(b -> b
                .request(http.toBuilder().protocol("https").build())
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)));
        return signed.copy(b -> b.request(signed.request().toBuilder().protocol("http").build()));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        return sigv4.signAsync(request); // pgnest's S3 client is synchronous
    }
}
