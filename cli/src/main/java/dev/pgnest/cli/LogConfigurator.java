package dev.pgnest.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.pgnest.config.Settings;
import java.util.Map;

/**
 * pgnest's logging, set up in code: parsing a logback.xml costs every command (and every
 * archive_command push) about 0.15 s of start-up. Logs go to stderr so that stdout stays clean
 * for JSON; pgnest's own loggers at INFO (log.level / --debug change that later), the rest at
 * WARN. An operator's {@code -Dlogback.configurationFile=…} and a logback-test.xml on the class
 * path (the tests') take precedence.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("dev.pgnest").setLevel(Level.toLevel(earlyLevel(System.getenv())));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * log.level from its environment variable alone, for what is logged before the configuration
     * is loaded (which then applies the flag and pgnest.yml, and reports a bad value).
     */
    static String earlyLevel(Map<String, String> environment) {
        String raw = environment.get(Settings.LOG_LEVEL.env());
        try {
            return raw == null || raw.isBlank() ? Settings.LOG_LEVEL.defaultValue() : Settings.LOG_LEVEL.type().parse(raw);
        } catch (IllegalArgumentException e) {
            return Settings.LOG_LEVEL.defaultValue();
        }
    }
}
