package dev.pgnest.storage.s3;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class S3BrokenBodyRetryOnS3MockTest extends S3BrokenBodyRetryTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3Mock("bodies").andFaultyProxyPerTest(11);

    @Override
    Servers servers() {
        return servers;
    }
}
