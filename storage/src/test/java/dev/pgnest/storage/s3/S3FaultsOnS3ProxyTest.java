package dev.pgnest.storage.s3;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class S3FaultsOnS3ProxyTest extends S3FaultsTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("faults");

    @Override
    Servers servers() {
        return servers;
    }
}
