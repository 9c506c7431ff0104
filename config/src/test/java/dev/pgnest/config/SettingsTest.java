package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {
    /** Settings.ALL drives parsing, config show and the reference: a declaration left out of it is never read. */
    @Test
    void everyDeclaredSettingIsInTheListThatDrivesParsing() throws IllegalAccessException {
        List<Setting<?>> declared = new ArrayList<>();
        for (Field f : Settings.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                declared.add((Setting<?>) f.get(null));
            }
        }
        assertThat(declared).hasSizeGreaterThan(60);
        assertThat(Settings.ALL.stream().map(s -> s.scope() + " " + s.key()).toList()).as("Settings.ALL")
                .containsExactlyInAnyOrderElementsOf(declared.stream().map(s -> s.scope() + " " + s.key()).toList());
        assertThat(Settings.ALL).containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void keysAndFlagsAreUniqueAndCommandOptionsNameTheirCommands() {
        for (Scope scope : Scope.values()) {
            List<String> keys = Settings.inScope(scope).stream().map(Setting::key).toList();
            assertThat(keys).as("%s keys", scope).doesNotHaveDuplicates();
        }
        assertThat(Settings.ALL.stream().map(Setting::flag).filter(f -> f != null).toList()).doesNotHaveDuplicates();
        for (Setting<?> s : Settings.ALL) {
            for (Setting.CommandOption o : s.options()) {
                assertThat(o.commands()).as(s.key()).isNotEmpty().allMatch(c -> c.matches("[a-z]+( [a-z]+)*"));
                assertThat(o.names()).as(s.key()).isNotEmpty().allMatch(n -> n.matches("--?[a-z][a-z-]*"));
                assertThat(o.help()).as(s.key()).doesNotContain("${");
                assertThat(s.secret()).as("secret %s must not have an option", s.key()).isFalse();
            }
        }
    }
}
