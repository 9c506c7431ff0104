package dev.pgnest.cli;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.Setting;
import dev.pgnest.config.Settings;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * The command-line options that set a declared setting, made from the declarations in
 * {@link Settings}: the root flags every command inherits, and the options single commands take
 * ({@code Setting.options()}). Their values are kept as text and parsed by the configuration
 * loader with the setting's type, so a bad flag fails as a bad environment variable does.
 */
final class SettingOptions {
    private SettingOptions() {
    }

    /** One flag per declared setting (secrets have none), shared by every subcommand. */
    static void addRootFlags(CommandSpec spec, Map<Setting<?>, ConfigLoader.Flag> into) {
        for (Setting<?> s : Settings.ALL) {
            if (s.flag() == null) {
                continue;
            }
            boolean visible = s == Settings.TARGET_NAME || s == Settings.REPOSITORY_NAME;
            spec.addOption(OptionSpec.builder(s.flag())
                    .paramLabel(visible ? "NAME" : "VALUE")
                    .type(String.class)
                    .description(s.description())
                    .hidden(!visible)
                    .scopeType(ScopeType.INHERIT)
                    .setter(setter(s, s.flag(), into))
                    .build());
        }
    }

    /** The options of each command in {@code cl}'s tree (stand-ins of commands off the branch have none). */
    static void addCommandOptions(CommandLine cl, Map<Setting<?>, ConfigLoader.Flag> into) {
        if (cl.getCommand() instanceof CommandTree.Elsewhere) {
            return;
        }
        CommandSpec spec = cl.getCommandSpec();
        String command = commandPath(spec);
        for (Setting<?> s : Settings.ALL) {
            for (Setting.CommandOption o : s.optionsOf(command)) {
                OptionSpec.Builder option = OptionSpec.builder(o.names().toArray(String[]::new))
                        .paramLabel(o.paramLabel())
                        .type(String.class)
                        .description(o.help())
                        .setter(setter(s, o.name(), into));
                if (s.type() == dev.pgnest.config.SettingType.BOOL) {
                    option.arity("0..1").fallbackValue("true"); // --synchronous alone means true
                }
                spec.addOption(option.build());
            }
        }
        cl.getSubcommands().values().stream().distinct().forEach(sub -> addCommandOptions(sub, into));
    }

    /** The command as typed after {@code pgnest}, e.g. "wal fetch" (empty for the root). */
    static String commandPath(CommandSpec spec) {
        String qualified = spec.qualifiedName(" ");
        int space = qualified.indexOf(' ');
        return space < 0 ? "" : qualified.substring(space + 1);
    }

    private static CommandLine.Model.ISetter setter(Setting<?> s, String flag, Map<Setting<?>, ConfigLoader.Flag> into) {
        return new CommandLine.Model.ISetter() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T set(T value) {
                // picocli resets every option to its initial value, null, before it parses
                ConfigLoader.Flag old = value == null ? into.remove(s) : into.put(s, new ConfigLoader.Flag(flag, (String) value));
                return old == null ? null : (T) old.value();
            }
        };
    }
}
