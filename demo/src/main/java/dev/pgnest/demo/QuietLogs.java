package dev.pgnest.demo;

import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

/**
 * S3Proxy and its shaded Jetty log every request at INFO/DEBUG, which buries a test's own
 * output. Without configuration logback logs everything at DEBUG, so turn these down unless a
 * logback config already chose a level for them. {@code -Dpgnest.test.verboseLogs=true} keeps
 * them.
 */
final class QuietLogs {

    private static final String[] NOISY = {
        "org.gaul", "org.eclipse.jetty", "org.apache.http", "org.apache.hc", "software.amazon.awssdk",
        "io.netty", "com.google", "com.azure", "io.opentelemetry", "org.apache.sshd", "org.postgresql",
    };

    private QuietLogs() {
    }

    static void apply() {
        if (Boolean.getBoolean("pgnest.test.verboseLogs")) {
            return;
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        for (String name : NOISY) {
            Logger logger = context.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARN);
            }
        }
    }
}
