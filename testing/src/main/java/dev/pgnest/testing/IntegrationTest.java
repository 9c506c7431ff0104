package dev.pgnest.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class that runs real servers (PostgreSQL, the S3 server, child pgnest processes
 * against them): {@code ./mvnw verify} runs it through failsafe, {@code ./mvnw test} leaves it
 * out (the parent pom filters on the tag). A class using {@link Servers} must carry it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(IntegrationTest.TAG)
public @interface IntegrationTest {
    /** The JUnit tag the build's surefire excludes and failsafe includes. */
    String TAG = "integration";
}
