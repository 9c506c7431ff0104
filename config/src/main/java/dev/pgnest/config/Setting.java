package dev.pgnest.config;

import java.util.List;
import java.util.Optional;

/**
 * One setting, declared once. The declaration drives parsing from pgnest.yml, the
 * environment and flags, validation messages, {@code config show} (with redaction) and the
 * configuration reference (docs/reference/configuration.md) — so nothing about a setting is written twice.
 *
 * @param key          the key inside its scope in pgnest.yml, e.g. {@code s3.bucket}
 * @param env          the environment variable, e.g. {@code PGNEST_S3_BUCKET}
 * @param envAliases   other variables read when {@code env} is absent (DATABASE_URL, AWS_*)
 * @param flag         the command-line flag, or null: secrets never get one (process
 *                     arguments are visible to every user of the host)
 * @param defaultValue the default, or null when unset by default
 * @param defaultText  how the default is documented when it is computed at run time
 * @param options      the flags single commands take for it (their own names there, so
 *                     {@code --parallel} can mean different settings in different commands)
 */
public record Setting<T>(
        String key,
        Scope scope,
        SettingType<T> type,
        T defaultValue,
        String defaultText,
        String env,
        List<String> envAliases,
        String flag,
        String description,
        boolean secret,
        List<CommandOption> options) {

    /**
     * A flag some commands take for this setting. The value goes through the setting's type
     * like any other, and beats the environment and pgnest.yml.
     *
     * @param commands   the commands that take it, as typed after {@code pgnest}: "wal fetch"
     * @param names      its names, e.g. {@code -j, --jobs}
     * @param paramLabel its value in the usage line
     * @param help       its line in the command's help
     */
    public record CommandOption(List<String> commands, List<String> names, String paramLabel, String help) {
        /** The name messages and {@code config show} use: the long one. */
        public String name() {
            return names.get(names.size() - 1);
        }
    }

    /** The options of {@code command} ("wal fetch") that set this setting. */
    public List<CommandOption> optionsOf(String command) {
        return options.stream().filter(o -> o.commands().contains(command)).toList();
    }

    public Optional<T> defaultIfAny() {
        return Optional.ofNullable(defaultValue);
    }

    /**
     * The hint of "is not set" messages, naming every way to set it, e.g.
     * {@code set it, pass --s3-bucket, or add repositories.main.s3.bucket to pgnest.yml}.
     */
    public String howToSet(String scopeName) {
        String fileKey = scope.fileKey(scopeName, key);
        return flag == null
                ? "set it or add " + fileKey + " to pgnest.yml"
                : "set it, pass " + flag + ", or add " + fileKey + " to pgnest.yml";
    }

    static <T> Builder<T> define(Scope scope, String key, SettingType<T> type) {
        return new Builder<>(scope, key, type);
    }

    static final class Builder<T> {
        private final Scope scope;
        private final String key;
        private final SettingType<T> type;
        private T defaultValue;
        private String defaultText;
        private String env;
        private List<String> aliases = List.of();
        private String flag;
        private boolean secret;
        private final List<CommandOption> options = new java.util.ArrayList<>();

        private Builder(Scope scope, String key, SettingType<T> type) {
            this.scope = scope;
            this.key = key;
            this.type = type;
            this.env = "PGNEST_" + key.toUpperCase(java.util.Locale.ROOT).replaceAll("[.-]", "_");
            this.flag = "--" + key.replace('.', '-');
        }

        Builder<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        Builder<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        Builder<T> env(String name, String... aliases) {
            this.env = name;
            this.aliases = List.of(aliases);
            return this;
        }

        Builder<T> flag(String name) {
            this.flag = name;
            return this;
        }

        /** A secret: redacted everywhere, and no flag. */
        Builder<T> secret() {
            this.secret = true;
            this.flag = null;
            return this;
        }

        /**
         * A flag of some commands for this setting (no root flag: its name means other settings
         * elsewhere). In {@code help}, ${setting} is the key and ${default} the documented default.
         *
         * @param names "--spool-dir" or "-j, --jobs"
         */
        Builder<T> option(String names, String paramLabel, String help, String... commands) {
            options.add(new CommandOption(List.of(commands), List.of(names.split(", ")), paramLabel, help));
            return this;
        }

        Setting<T> describe(String description) {
            String docDefault = defaultText != null ? defaultText
                    : defaultValue == null ? null : type.display(defaultValue);
            List<CommandOption> commandOptions = options.stream().map(o -> new CommandOption(o.commands(), o.names(),
                    o.paramLabel(), o.help().replace("${setting}", key).replace("${default}", String.valueOf(docDefault))))
                    .toList();
            return new Setting<>(key, scope, type, defaultValue, docDefault, env, aliases, flag, description, secret,
                    commandOptions);
        }
    }
}
