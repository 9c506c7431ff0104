package dev.pgnest.storage.s3;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class S3BrokenBodyRetryOnS3ProxyTest extends S3BrokenBodyRetryTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("bodies").andFaultyProxyPerTest(11);

    @Override
    Servers servers() {
        return servers;
    }
}
