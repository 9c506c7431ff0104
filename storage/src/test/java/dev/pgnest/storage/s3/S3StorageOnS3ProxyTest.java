package dev.pgnest.storage.s3;

import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;

@IntegrationTest
class S3StorageOnS3ProxyTest extends S3StorageTest {
    @RegisterExtension
    static final Servers servers = Servers.withS3("contract");

    @Override
    Servers servers() {
        return servers;
    }
}
