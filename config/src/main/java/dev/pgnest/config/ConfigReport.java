package dev.pgnest.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code pgnest config show} prints: every effective value with its origin, secrets
 * replaced by {@code ***}. A plain structure, so the CLI renders it as text or JSON.
 */
public final class ConfigReport {
    private ConfigReport() {
    }

    /** The report as nested maps and lists (JSON-ready). */
    public static Map<String, Object> of(PgnestConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", config.file().map(Object::toString).orElse(null));
        out.put("selectedTarget", config.selectedTargetName().orElse(null));
        out.put("selectedRepository", config.selectedRepositoryName().orElse(null));
        out.put("global", values(config.global()));
        Map<String, Object> targets = new LinkedHashMap<>();
        config.targets().forEach((name, v) -> targets.put(name, values(v)));
        out.put("targets", targets);
        Map<String, Object> repos = new LinkedHashMap<>();
        config.repositories().forEach((name, v) -> repos.put(name, values(v)));
        out.put("repositories", repos);
        return out;
    }

    private static Map<String, Object> values(SettingValues values) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SettingValues.Entry<?> e : values.entries()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("value", e.display());
            v.put("source", e.source().toString());
            out.put(e.setting().key(), v);
        }
        return out;
    }

    /** The report as aligned text lines. */
    public static List<String> text(PgnestConfig config) {
        List<String> lines = new ArrayList<>();
        lines.add("configuration file: " + config.file().map(Object::toString).orElse("none (PGNEST_CONFIG unset, no ./pgnest.yml, no /etc/pgnest/pgnest.yml)"));
        lines.add("selected target: " + config.selectedTargetName().orElse("none chosen")
                + ", repository: " + config.selectedRepositoryName().orElse("none chosen"));
        section(lines, "global", config.global());
        config.targets().forEach((name, v) -> section(lines, "target " + name, v));
        config.repositories().forEach((name, v) -> section(lines, "repository " + name, v));
        return lines;
    }

    private static void section(List<String> lines, String title, SettingValues values) {
        lines.add("");
        lines.add(title);
        int width = 0;
        int valueWidth = 0;
        for (SettingValues.Entry<?> e : values.entries()) {
            width = Math.max(width, e.setting().key().length());
            valueWidth = Math.max(valueWidth, shown(e).length());
        }
        for (SettingValues.Entry<?> e : values.entries()) {
            lines.add(String.format("  %-" + width + "s  %-" + valueWidth + "s  (%s)", e.setting().key(), shown(e), e.source()));
        }
    }

    private static String shown(SettingValues.Entry<?> e) {
        String d = e.display();
        return d == null ? "-" : d;
    }
}
