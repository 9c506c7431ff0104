package dev.pgnest.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The effective values of one scope: the globals, one target or one repository. */
public final class SettingValues {

    /** A value with its origin. */
    public record Entry<T>(Setting<T> setting, T value, ValueSource source) {
        /** The value as the operator may see it: secrets masked, a URL's password masked. */
        public String display() {
            if (value == null) {
                return null;
            }
            return setting.secret() ? "***" : setting.type().display(value);
        }
    }

    private final Scope scope;
    private final String name;
    private final Map<Setting<?>, Entry<?>> entries;

    SettingValues(Scope scope, String name, Map<Setting<?>, Entry<?>> entries) {
        this.scope = scope;
        this.name = name;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Scope scope() {
        return scope;
    }

    /** The target's or repository's name; empty for the globals. */
    public String name() {
        return name;
    }

    public <T> Optional<T> get(Setting<T> setting) {
        return Optional.ofNullable(entry(setting).value());
    }

    /** The value, or a configuration error that names the setting and every way to set it. */
    public <T> T require(Setting<T> setting) {
        return get(setting).orElseThrow(() -> notSet(setting));
    }

    public <T> PgnestException notSet(Setting<T> setting) {
        return new PgnestException(ErrorKind.CONFIG, setting.env() + " is not set", setting.howToSet(name.isEmpty() ? PgnestConfig.DEFAULT_NAME : name));
    }

    @SuppressWarnings("unchecked")
    public <T> Entry<T> entry(Setting<T> setting) {
        if (setting.scope() != scope) {
            throw new IllegalArgumentException(setting.key() + " is a " + setting.scope() + " setting, not " + scope);
        }
        Entry<T> e = (Entry<T>) entries.get(setting);
        return e != null ? e : new Entry<>(setting, null, ValueSource.UNSET);
    }

    public Iterable<Entry<?>> entries() {
        return entries.values();
    }
}
