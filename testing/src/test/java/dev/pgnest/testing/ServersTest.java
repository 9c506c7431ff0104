package dev.pgnest.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/** The extension driven by hand, as JUnit drives it, on a stand-in test class. */
@IntegrationTest
class ServersTest {

    @IntegrationTest
    static class Tagged {
        static S3Server s3;
    }

    static class Untagged {
    }

    @Test
    void startsAssignsAndClosesInReverseOrder() throws Exception {
        Servers servers = Servers.withS3("bucket");
        servers.beforeAll(context(Tagged.class));
        assertThat(Tagged.s3).isSameAs(servers.s3());
        assertThat(servers.s3().client().listObjectsV2(b -> b.bucket("bucket")).contents()).isEmpty();
        List<String> closed = new ArrayList<>();
        servers.closeAfterAll(() -> closed.add("first"));
        servers.closeAfterAll(() -> closed.add("second"));
        S3Server s3 = servers.s3();

        servers.afterAll(context(Tagged.class));
        assertThat(closed).containsExactly("second", "first");
        assertThatThrownBy(s3::client).hasMessageContaining("is closed");
        Tagged.s3 = null;
    }

    @Test
    void aStartThatFailsHalfWayClosesWhatAlreadyStarted() {
        Servers servers = Servers.withS3().andPostgres(b -> {
            throw new IllegalStateException("no cluster today");
        });
        assertThatThrownBy(() -> servers.beforeAll(context(Tagged.class))).hasMessage("no cluster today");
        assertThatThrownBy(Tagged.s3::client).hasMessageContaining("is closed");
        Tagged.s3 = null;
    }

    @Test
    void aFailingCloseDoesNotKeepTheRestOpen(@TempDir Path tmp) throws Exception {
        Servers servers = Servers.none();
        servers.beforeAll(context(Tagged.class));
        Path dir = servers.deleteAfterAll(Files.createDirectories(tmp.resolve("d/e")));
        servers.closeAfterAll(() -> {
            throw new IllegalStateException("cannot close");
        });
        assertThatThrownBy(() -> servers.afterAll(context(Tagged.class))).hasMessage("cannot close");
        assertThat(dir).doesNotExist();
    }

    @Test
    void aClassWithoutTheIntegrationTagIsRefused() {
        assertThatThrownBy(() -> Servers.withS3().beforeAll(context(Untagged.class)))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("annotate it @IntegrationTest");
    }

    private static ExtensionContext context(Class<?> testClass) {
        return (ExtensionContext) Proxy.newProxyInstance(ServersTest.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getRequiredTestClass" -> testClass;
                    case "getUniqueId" -> "[class:" + testClass.getName() + "]";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
