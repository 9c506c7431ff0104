package dev.pgnest.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The servers of an integration test class, started once before its first test and always
 * stopped after its last one — also when a start fails half-way, or the class's own
 * {@code @BeforeAll} throws — so that no test class writes a teardown:
 *
 * <pre>{@code
 * @IntegrationTest
 * class BackupCommandsTest {
 *     @RegisterExtension
 *     static final Servers servers = Servers.withS3("backups").andPostgres();
 *     static PostgresCluster pg;   // assigned by Servers
 *     static S3Server s3;          // assigned by Servers
 * }</pre>
 *
 * <p>Servers start in the order they are declared, before the class's {@code @BeforeAll}
 * methods, and stop in the reverse order after its {@code @AfterAll} methods. Each started
 * server is assigned to the test class's static fields of its type ({@link PostgresCluster},
 * {@link S3Server}); a per-test {@link FaultyProxy} goes to the instance fields of its type.
 * They are also reachable through {@link #postgres()}, {@link #s3()} and {@link #proxy()}.
 * Whatever a {@code @BeforeAll} opens on top of them (a storage, a second server configured
 * from the first, a temp dir) is handed over with {@link #closeAfterAll} / {@link
 * #deleteAfterAll}, and per-test resources with {@link #closeAfterEach}.
 */
public final class Servers implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private final List<Start> starts = new ArrayList<>();
    private Long proxySeed;
    private final Deque<AutoCloseable> classScope = new ArrayDeque<>();
    private final Deque<AutoCloseable> testScope = new ArrayDeque<>();
    private String owner;
    private PostgresCluster postgres;
    private S3Server s3;
    private FaultyProxy proxy;

    private record Start(Class<?> type, Supplier<AutoCloseable> start) {
    }

    private Servers() {
    }

    /**
     * Nothing started up front: for a class whose servers depend on what its {@code @BeforeAll}
     * sets up first (a launcher script, a socket their archive_command talks to), which starts
     * them there and hands them over with {@link #closeAfterAll}.
     */
    public static Servers none() {
        return new Servers();
    }

    /** A PostgreSQL cluster with the harness defaults. */
    public static Servers withPostgres() {
        return new Servers().andPostgres();
    }

    /** A PostgreSQL cluster with settings of its own ({@code b -> b.setting("wal_level", "replica")}). */
    public static Servers withPostgres(Consumer<PostgresCluster.Builder> configure) {
        return new Servers().andPostgres(configure);
    }

    /** An in-memory S3 server with these buckets. */
    public static Servers withS3(String... buckets) {
        return new Servers().andS3(S3Server::start, buckets);
    }

    /** Adobe's S3Mock, the second S3 implementation, with these buckets (see {@link S3Server#startS3Mock()}). */
    public static Servers withS3Mock(String... buckets) {
        return new Servers().andS3(S3Server::startS3Mock, buckets);
    }

    /** An S3 server storing objects on disk (a {@code pgnest-s3-*} temp dir), for tests moving more than the heap holds. */
    public static Servers withS3OnTempDirectory(String... buckets) {
        return new Servers().andS3(S3Server::startOnTempDirectory, buckets);
    }

    /** Also a PostgreSQL cluster with the harness defaults, started after what is declared before. */
    public Servers andPostgres() {
        return andPostgres(b -> { });
    }

    public Servers andPostgres(Consumer<PostgresCluster.Builder> configure) {
        starts.add(new Start(PostgresCluster.class, () -> {
            PostgresCluster.Builder builder = PostgresCluster.builder();
            configure.accept(builder);
            postgres = builder.start();
            return postgres;
        }));
        return this;
    }

    /** Also an in-memory S3 server with these buckets. */
    public Servers andS3(String... buckets) {
        return andS3(S3Server::start, buckets);
    }

    private Servers andS3(Supplier<S3Server> start, String... buckets) {
        starts.add(new Start(S3Server.class, () -> {
            s3 = start.get();
            for (String bucket : buckets) {
                s3.createBucket(bucket);
            }
            return s3;
        }));
        return this;
    }

    /**
     * A fresh {@link FaultyProxy} in front of the S3 server for every test, from the same seed,
     * injecting nothing until the test says so; closed after the test.
     */
    public Servers andFaultyProxyPerTest(long seed) {
        this.proxySeed = seed;
        return this;
    }

    public PostgresCluster postgres() {
        return started(postgres, "a PostgreSQL cluster");
    }

    public S3Server s3() {
        return started(s3, "an S3 server");
    }

    /** The current test's proxy. */
    public FaultyProxy proxy() {
        return started(proxy, "a fault proxy (andFaultyProxyPerTest)");
    }

    /**
     * Hands {@code resource} over to be closed after the class's last test (before the servers,
     * in the reverse order of hand-over); call it from {@code @BeforeAll}.
     */
    public synchronized <T extends AutoCloseable> T closeAfterAll(T resource) {
        classScope.push(resource);
        return resource;
    }

    /** Deletes {@code directory} (a tree) after the class's last test. */
    public Path deleteAfterAll(Path directory) {
        closeAfterAll(new DirectoryDeletion(directory));
        return directory;
    }

    /** Hands {@code resource} over to be closed after the current test; call it from {@code @BeforeEach} or a test. */
    public synchronized <T extends AutoCloseable> T closeAfterEach(T resource) {
        testScope.push(resource);
        return resource;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (owner != null) {
            return; // a @Nested class: the enclosing class's servers serve it
        }
        Class<?> testClass = context.getRequiredTestClass();
        boolean tagged = AnnotationSupport.findRepeatableAnnotations(testClass, Tag.class).stream()
                .anyMatch(t -> t.value().equals(IntegrationTest.TAG));
        if (!tagged) {
            throw new ExtensionConfigurationException(testClass.getName()
                    + " starts servers: annotate it @IntegrationTest, so that ./mvnw test leaves it to verify");
        }
        owner = context.getUniqueId();
        try {
            for (Start start : starts) {
                AutoCloseable server = start.start().get();
                synchronized (this) {
                    classScope.push(server);
                }
                assign(testClass, null, start.type(), server);
            }
        } catch (RuntimeException | Error e) {
            closeAll(classScope, e);
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!context.getUniqueId().equals(owner)) {
            return;
        }
        owner = null;
        postgres = null;
        s3 = null;
        closeAll(classScope, null);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (proxySeed != null) {
            proxy = closeAfterEach(FaultyProxy.inFrontOf(s3().endpoint(), proxySeed));
            Object instance = context.getRequiredTestInstance();
            assign(instance.getClass(), instance, FaultyProxy.class, proxy);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        proxy = null;
        closeAll(testScope, null);
    }

    /**
     * Closes everything, last in first; the first failure is thrown (or added to {@code
     * primary}, the failure already under way) with the later ones suppressed.
     */
    private void closeAll(Deque<AutoCloseable> resources, Throwable primary) throws Exception {
        Throwable first = primary;
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = resources.poll();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception | Error e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null && first != primary) {
            if (first instanceof Exception e) {
                throw e;
            }
            throw (Error) first;
        }
    }

    /** Assigns {@code value} to every field of {@code type} (static ones when {@code instance} is null). */
    private static void assign(Class<?> testClass, Object instance, Class<?> type, Object value) {
        List<Field> fields = ReflectionSupport.findFields(testClass,
                f -> f.getType() == type && Modifier.isStatic(f.getModifiers()) == (instance == null)
                        && !Modifier.isFinal(f.getModifiers()),
                HierarchyTraversalMode.TOP_DOWN);
        if (fields.size() > 1) {
            throw new ExtensionConfigurationException(testClass.getName() + " has " + fields.size() + " fields of type "
                    + type.getSimpleName() + ": Servers assigns its one server to a single field");
        }
        for (Field field : fields) {
            try {
                field.setAccessible(true);
                field.set(instance, value);
            } catch (IllegalAccessException e) {
                throw new ExtensionConfigurationException("cannot assign " + field, e);
            }
        }
    }

    private static <T> T started(T server, String what) {
        if (server == null) {
            throw new IllegalStateException(what + " is not running: declare it on the Servers extension");
        }
        return server;
    }

    private record DirectoryDeletion(Path directory) implements AutoCloseable {
        @Override
        public void close() {
            List<String> failures = Cleanup.deleteRecursively(directory);
            if (!failures.isEmpty()) {
                throw new IllegalStateException("cannot delete " + directory + ": " + failures);
            }
        }
    }

    @Override
    public String toString() {
        return "Servers" + starts.stream().map(s -> s.type().getSimpleName()).toList();
    }
}
