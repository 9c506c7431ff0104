package dev.pgnest.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.RetryableException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Makes a listing whose response body breaks off (a connection reset, a truncation) retried by
 * the client's retry strategy, like a request that failed outright.
 *
 * <p>The SDK parses a listing's XML inside its retry loop, but it turns an I/O error from the
 * body into an {@code UncheckedIOException} (the first byte) or "Could not parse XML response"
 * (later), neither of which it retries. Raising {@link RetryableException} from the body's
 * reads instead is what the SDK's own {@code ResponseTransformer.toBytes()} does for objects.
 *
 * <p>Only listings: they are read-only, so a retry cannot repeat a side effect, whereas a
 * retried CreateMultipartUpload whose answer was cut would leave an upload behind.
 */
final class RetryCutListings implements ExecutionInterceptor {

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        return isListing(context.request()) ? body.map(CutBodyIsRetryable::new) : body;
    }

    private static boolean isListing(SdkRequest request) {
        return request instanceof ListObjectsV2Request || request instanceof ListMultipartUploadsRequest;
    }

    private static final class CutBodyIsRetryable extends FilterInputStream {
        CutBodyIsRetryable(InputStream in) {
            super(in);
        }

        @Override
        public int read() {
            try {
                return in.read();
            } catch (IOException e) {
                throw cut(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw cut(e);
            }
        }

        private static RetryableException cut(IOException e) {
            return RetryableException.builder().message("the response body broke off: " + e.getMessage()).cause(e).build();
        }
    }
}
