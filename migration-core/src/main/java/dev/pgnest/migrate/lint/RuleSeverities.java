package dev.pgnest.migrate.lint;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Each rule's severity for one lint run: its default unless the lint.severity setting names it. */
public record RuleSeverities(Map<Rule, Rule.Severity> overrides) {
    public static final RuleSeverities DEFAULTS = new RuleSeverities(Map.of());

    public RuleSeverities {
        overrides = Collections.unmodifiableMap(overrides.isEmpty() ? new EnumMap<>(Rule.class) : new EnumMap<>(overrides));
    }

    public Rule.Severity of(Rule rule) {
        return overrides.getOrDefault(rule, rule.severity());
    }

    /** Parses {@code rule-id=error|warning|off} entries, as the lint.severity setting holds them. */
    public static RuleSeverities parse(List<String> entries) {
        Map<Rule, Rule.Severity> out = new EnumMap<>(Rule.class);
        for (String entry : entries) {
            String[] kv = entry.split("[=:]", 2);
            Rule rule = Rule.byId(kv[0].strip()).orElseThrow(() -> new PgnestException(ErrorKind.CONFIG,
                    "lint.severity names unknown lint rule '" + kv[0].strip() + "'",
                    "use rule ids from pgnest migrate lint --rules: "
                            + Arrays.stream(Rule.values()).map(Rule::id).collect(Collectors.joining(", "))));
            String level = kv.length < 2 ? "" : kv[1].strip().toUpperCase(Locale.ROOT);
            if (!level.matches("ERROR|WARNING|OFF")) {
                throw new PgnestException(ErrorKind.CONFIG, "lint.severity entry '" + entry + "' has no severity",
                        "write it as " + rule.id() + "=error, " + rule.id() + "=warning or " + rule.id() + "=off");
            }
            out.put(rule, Rule.Severity.valueOf(level));
        }
        return new RuleSeverities(out);
    }
}
