package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What the generated configuration reference needs of every declaration. That the page itself,
 * docs/reference/configuration.md, matches the declarations is checked by cli's
 * {@code ReferenceDocsTest} (which also regenerates it).
 */
class SettingDeclarationsTest {
    @Test
    void everySettingIsDescribedAndSecretsHaveNoFlag() {
        for (Setting<?> s : Settings.ALL) {
            assertThat(s.description()).as(s.key()).isNotBlank();
            assertThat(s.env()).as(s.key()).matches("[A-Z][A-Z0-9_]*");
            if (s.secret()) {
                assertThat(s.flag()).as("secret %s must not have a flag", s.key()).isNull();
            }
        }
        assertThat(Settings.ALL.stream().map(Setting::env).distinct().count()).isEqualTo(Settings.ALL.size());
    }

    @Test
    void everyExitCodeIsDescribed() {
        for (ExitCode code : ExitCode.values()) {
            assertThat(code.description()).as(code.name()).isNotBlank().doesNotContain("\n");
            assertThat(code.usedBy()).as(code.name()).isNotBlank();
        }
    }
}
