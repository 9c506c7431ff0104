package dev.pgnest.storage.s3;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class S3ResumedDownloadOnS3ProxyTest extends S3ResumedDownloadTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("resume").andFaultyProxyPerTest(17);

    @Override
    Servers servers() {
        return servers;
    }
}
