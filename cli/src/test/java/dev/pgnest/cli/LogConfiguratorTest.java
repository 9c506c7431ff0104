package dev.pgnest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
    @Test
    void theEarlyLevelIsLogLevelFromItsEnvironmentVariableElseItsDefault() {
        assertThat(LogConfigurator.earlyLevel(Map.of("PGNEST_LOG_LEVEL", "DEBUG"))).isEqualTo("debug");
        assertThat(LogConfigurator.earlyLevel(Map.of())).isEqualTo("info");
        // a bad value is reported once the configuration loads
        assertThat(LogConfigurator.earlyLevel(Map.of("PGNEST_LOG_LEVEL", "loud"))).isEqualTo("info");
    }
}
