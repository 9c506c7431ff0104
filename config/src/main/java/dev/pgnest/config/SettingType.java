package dev.pgnest.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a setting's text (from pgnest.yml, the environment or a flag) becomes a typed value,
 * and how the value is shown again by {@code config show}.
 */
public sealed interface SettingType<T> {

    /** Parses the raw text; throws IllegalArgumentException with a reason the user can act on. */
    T parse(String raw);

    /** What kind of value this is, for messages and the configuration reference. */
    String describe();

    /**
     * A good value to show in the fix, or null. Types with one reject a value with just the
     * reason ("is not host:port"); the message is then "KEY 'VALUE' REASON: set NAME like EXAMPLE".
     */
    default String example() {
        return null;
    }

    /** The value as shown to the operator, secrets inside it (a URL's password) masked. */
    default String display(T value) {
        return String.valueOf(value);
    }

    SettingType<String> STRING = new Text();
    SettingType<Integer> INT = new Int(Integer.MIN_VALUE, Integer.MAX_VALUE);
    SettingType<Boolean> BOOL = new Bool();
    SettingType<Path> PATH = new FilePath();
    SettingType<Duration> DURATION = new Span();
    SettingType<List<String>> LIST = new StringList();
    SettingType<String> DATABASE_URL = new DatabaseUrlText();
    SettingType<Long> SIZE = new ByteSize();
    /** A duration for settings that took plain seconds before they took units: 90 is 90s. */
    SettingType<Duration> DURATION_OR_SECONDS = new SpanOrSeconds();
    SettingType<HostPort> HOST_PORT = new Address();
    SettingType<ZoneId> TIME_ZONE = new Zone();

    static SettingType<Integer> intRange(int min, int max) {
        return new Int(min, max);
    }

    static SettingType<String> oneOf(String... choices) {
        return new Choice(List.of(choices));
    }

    /**
     * Text that must match {@code regex} entirely, e.g. a PostgreSQL name with its own rules.
     *
     * @param what what a matching value is, for messages: "a replication slot name"
     * @param rule the rule in words, for messages and the configuration reference
     */
    static SettingType<String> matching(String regex, String what, String rule) {
        return new Matching(java.util.regex.Pattern.compile(regex), what, rule);
    }

    record Text() implements SettingType<String> {
        public String parse(String raw) {
            return raw;
        }

        public String describe() {
            return "text";
        }
    }

    record Int(int min, int max) implements SettingType<Integer> {
        public Integer parse(String raw) {
            int v;
            try {
                v = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + raw + "' is not a whole number");
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
            }
            return v;
        }

        public String describe() {
            return min == Integer.MIN_VALUE ? "integer" : "integer " + min + ".." + max;
        }
    }

    record Bool() implements SettingType<Boolean> {
        public Boolean parse(String raw) {
            switch (raw.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1":
                    return true;
                case "false", "no", "off", "0":
                    return false;
                default:
                    throw new IllegalArgumentException("'" + raw + "' is not true or false");
            }
        }

        public String describe() {
            return "true|false";
        }
    }

    record FilePath() implements SettingType<Path> {
        public Path parse(String raw) {
            if (raw.isBlank()) {
                throw new IllegalArgumentException("an empty path");
            }
            String expanded = raw.startsWith("~/") ? System.getProperty("user.home") + raw.substring(1) : raw;
            return Path.of(expanded);
        }

        public String describe() {
            return "path";
        }
    }

    /** Durations as operators write them: 30s, 15m, 2h, 7d (or ISO-8601 PT15M). */
    record Span() implements SettingType<Duration> {
        public Duration parse(String raw) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            try {
                if (s.startsWith("p")) {
                    return Duration.parse(s.toUpperCase(Locale.ROOT));
                }
                long n = Long.parseLong(s.substring(0, s.length() - 1));
                switch (s.charAt(s.length() - 1)) {
                    case 's': return Duration.ofSeconds(n);
                    case 'm': return Duration.ofMinutes(n);
                    case 'h': return Duration.ofHours(n);
                    case 'd': return Duration.ofDays(n);
                    case 'w': return Duration.ofDays(7 * n);
                    default: break;
                }
            } catch (RuntimeException e) {
                // fall through to the one message below
            }
            throw new IllegalArgumentException("'" + raw + "' is not a duration");
        }

        public String describe() {
            return "duration (30s, 15m, 2h, 7d, 8w)";
        }

        public String display(Duration value) {
            long s = value.getSeconds();
            if (s % 86400 == 0) return s / 86400 + "d";
            if (s % 3600 == 0) return s / 3600 + "h";
            if (s % 60 == 0) return s / 60 + "m";
            return s + "s";
        }
    }

    record SpanOrSeconds() implements SettingType<Duration> {
        public Duration parse(String raw) {
            String s = raw.trim();
            return s.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(s)) : DURATION.parse(raw);
        }

        public String describe() {
            return "duration (90s, 15m, 2h; a bare number is seconds)";
        }

        public String display(Duration value) {
            return DURATION.display(value);
        }
    }

    record Matching(java.util.regex.Pattern pattern, String what, String rule) implements SettingType<String> {
        public String parse(String raw) {
            String v = raw.trim();
            if (!pattern.matcher(v).matches()) {
                throw new IllegalArgumentException("'" + raw + "' is not " + what);
            }
            return v;
        }

        public String describe() {
            return rule;
        }
    }

    /** host:port, as {@link HostPort} reads it. */
    record Address() implements SettingType<HostPort> {
        public HostPort parse(String raw) {
            return HostPort.parse(raw);
        }

        public String describe() {
            return "host:port (127.0.0.1:7432, [::1]:7432; :7432 is every interface)";
        }

        public String example() {
            return "127.0.0.1:7432";
        }
    }

    /** A time zone by its name (Europe/Paris) or offset (UTC, +02:00). */
    record Zone() implements SettingType<ZoneId> {
        public ZoneId parse(String raw) {
            try {
                return ZoneId.of(raw.strip());
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("is not a time zone");
            }
        }

        public String describe() {
            return "time zone (UTC, Europe/Paris)";
        }

        public String example() {
            return "UTC or Europe/Paris";
        }
    }

    /** A byte count as operators write it: 8388608, 8MiB, 16 MB, 1GiB (binary units either way). */
    record ByteSize() implements SettingType<Long> {
        private static final java.util.regex.Pattern SIZE =
                java.util.regex.Pattern.compile("(\\d+)\\s*(K|KB|KIB|M|MB|MIB|G|GB|GIB)?");

        public Long parse(String raw) {
            java.util.regex.Matcher m = SIZE.matcher(raw.trim().toUpperCase(Locale.ROOT));
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + raw + "' is not a size");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1);
            return switch (unit) {
                case "K" -> n << 10;
                case "M" -> n << 20;
                case "G" -> n << 30;
                default -> n;
            };
        }

        public String describe() {
            return "size (8MiB, 1GiB)";
        }

        public String display(Long value) {
            if (value % (1L << 30) == 0) return (value >> 30) + "GiB";
            if (value % (1L << 20) == 0) return (value >> 20) + "MiB";
            if (value % (1L << 10) == 0) return (value >> 10) + "KiB";
            return Long.toString(value);
        }
    }

    /** A list: a YAML sequence in the file, comma-separated in the environment and flags. */
    record StringList() implements SettingType<List<String>> {
        public List<String> parse(String raw) {
            return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        public String describe() {
            return "list (comma-separated)";
        }

        public String display(List<String> value) {
            return String.join(",", value);
        }
    }

    record Choice(List<String> choices) implements SettingType<String> {
        public String parse(String raw) {
            String v = raw.trim();
            for (String c : choices) {
                if (c.equalsIgnoreCase(v)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("'" + raw + "' is not one of " + String.join(", ", choices));
        }

        public String describe() {
            return choices.stream().collect(Collectors.joining("|"));
        }
    }

    /**
     * A PostgreSQL URL as Prisma users write DATABASE_URL ({@code postgresql://user:pw@host:5432/db})
     * or a JDBC URL. Checked for shape here; {@link DatabaseConnection} takes it apart.
     */
    record DatabaseUrlText() implements SettingType<String> {
        public String parse(String raw) {
            String v = raw.trim();
            if (!(v.startsWith("postgres://") || v.startsWith("postgresql://") || v.startsWith("jdbc:postgresql:"))) {
                throw new IllegalArgumentException("it does not start with postgresql://, postgres:// or jdbc:postgresql:");
            }
            try {
                URI.create(v.startsWith("jdbc:") ? v.substring(5) : v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("it is not a valid URL (percent-encode special characters in the password)");
            }
            return v;
        }

        public String describe() {
            return "postgresql://user[:password]@host[:port]/database[?sslmode=…]";
        }

        public String display(String value) {
            return DatabaseConnection.redact(value);
        }
    }
}
