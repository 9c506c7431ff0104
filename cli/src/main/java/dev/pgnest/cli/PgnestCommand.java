package dev.pgnest.cli;

import dev.pgnest.cli.config.ConfigCommand;
import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.Subcommands;
import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Setting;
import dev.pgnest.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root command. It owns what every subcommand shares: the configuration (loaded once,
 * lazily, from --config / pgnest.yml, the environment and the setting flags) and the one
 * mapping from failures to exit codes.
 */
@Subcommands({
        ConfigCommand.class,
        dev.pgnest.cli.migrate.MigrateCommand.class, dev.pgnest.cli.seed.SeedCommand.class,
        dev.pgnest.cli.backup.BackupCommand.class, dev.pgnest.cli.repo.RepoCommand.class,
        dev.pgnest.cli.serve.ServeCommand.class, dev.pgnest.cli.demo.DemoCommand.class,
        dev.pgnest.cli.wal.WalCommand.class, dev.pgnest.cli.wal.CheckCommand.class,
        dev.pgnest.cli.restore.RestoreCommand.class,
        CommandLine.HelpCommand.class, WarmUpCommand.class})
@Command(name = "pgnest",
        mixinStandardHelpOptions = true,
        versionProvider = PgnestCommand.Version.class,
        description = "Migrations, backups to S3-compatible storage and point-in-time recovery for PostgreSQL.",
        footerHeading = "%nExit codes:%n")
public final class PgnestCommand implements Runnable, CommandContext {

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Configuration file (default: $PGNEST_CONFIG, else ./pgnest.yml, else /etc/pgnest/pgnest.yml, the first present).")
    Path configFile;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of failures.")
    boolean debug;

    private final Map<Setting<?>, ConfigLoader.Flag> settingFlags = new LinkedHashMap<>();
    private Map<String, String> environment = System.getenv();
    private Path workingDir = Path.of("");
    private PgnestConfig config;

    @CommandLine.Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The effective configuration, loaded on first use so that --help never reads files. */
    public PgnestConfig config() {
        if (config == null) {
            config = new ConfigLoader(configFile, environment, workingDir, settingFlags).load();
            applyLogLevel(config.global().require(Settings.LOG_LEVEL));
        }
        return config;
    }

    private static void applyLogLevel(String level) {
        if (org.slf4j.LoggerFactory.getLogger("dev.pgnest") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.toLevel(level));
        }
    }

    /** Where pgnest puts its own temporary directories: see {@link #tempDir(Map)}. */
    public Path tempDir() {
        return tempDir(environment);
    }

    /**
     * $TMPDIR, as every Unix tool takes it (the JVM ignores it on Linux), else java.io.tmpdir
     * (the launcher passes $TMPDIR as java.io.tmpdir, so the two agree when it runs pgnest).
     */
    public static Path tempDir(Map<String, String> environment) {
        String tmpdir = environment.get("TMPDIR");
        return tmpdir != null && !tmpdir.isBlank() ? Path.of(tmpdir) : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The root command of the command a subcommand belongs to. */
    public static PgnestCommand of(CommandSpec spec) {
        return (PgnestCommand) spec.root().userObject();
    }

    /**
     * The command line to run {@code args} with: only the branch of the tree they name when that
     * takes them, else the whole tree (see {@link CommandTree}).
     */
    public static CommandLine commandLine(Map<String, String> environment, Path workingDir, String... args) {
        CommandLine branch = CommandTree.branch(new PgnestCommand(), args);
        if (branch != null && CommandTree.runsOnlyRealCommands(wire(branch, environment, workingDir), args)) {
            return branch;
        }
        return commandLine(environment, workingDir);
    }

    /** The whole command tree, fully wired; tests pass their own environment and working directory. */
    public static CommandLine commandLine(Map<String, String> environment, Path workingDir) {
        return wire(CommandTree.full(new PgnestCommand()), environment, workingDir);
    }

    private static CommandLine wire(CommandLine cl, Map<String, String> environment, Path workingDir) {
        PgnestCommand root = cl.getCommand();
        root.environment = environment;
        root.workingDir = workingDir;
        SettingOptions.addRootFlags(cl.getCommandSpec(), root.settingFlags);
        SettingOptions.addCommandOptions(cl, root.settingFlags);
        cl.getCommandSpec().usageMessage().footer(footer());
        addHelpFlags(cl);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> handle(ex, commandLine, root.debug));
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (ex.getCause() instanceof PgnestException pe && ex.getArgSpec() instanceof OptionSpec option) {
                // a converter's refusal (e.g. TimeConverter) names the value and says the fix
                err.println("error: " + option.longestName() + " " + pe.getMessage());
                err.flush();
                return pe.exitCode().status();
            }
            err.println("error: " + ex.getMessage() + ": see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            err.flush();
            return ExitCode.USAGE.status();
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** The root's help footer: the exit codes as {@link ExitCode} declares them, then where settings come from. */
    static String[] footer() {
        List<String> lines = new ArrayList<>();
        for (ExitCode code : ExitCode.values()) {
            // wrapped here, under the description (picocli would wrap to the first column);
            // picocli formats the footer: a literal % must be doubled
            String number = "  " + code.status() + " ";
            StringBuilder line = new StringBuilder(number);
            for (String word : code.description().replace("%", "%%").split(" ")) {
                if (line.length() + 1 + word.length() > 79 && line.length() > number.length()) {
                    lines.add(line.toString());
                    line = new StringBuilder(" ".repeat(number.length()));
                }
                line.append(' ').append(word);
            }
            lines.add(line.toString());
        }
        lines.add("");
        lines.add("Settings come from flags > environment > pgnest.yml > defaults; secrets have");
        lines.add("no flag. See `pgnest config show` and docs/reference/configuration.md.");
        return lines.toArray(String[]::new);
    }

    /**
     * {@code -h/--help} on every command that lacks it: picocli gives it to the root only, yet
     * every usage error ends with "see 'pgnest … --help'", and operators type it at any level.
     */
    private static void addHelpFlags(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        cl.getSubcommands().values().stream().distinct().forEach(PgnestCommand::addHelpFlags);
    }

    private static int handle(Exception ex, CommandLine commandLine, boolean debug) {
        PrintWriter err = commandLine.getErr();
        if (ex instanceof PgnestException pe) {
            err.println("error: " + pe.getMessage());
            if (debug && pe.getCause() != null) {
                pe.printStackTrace(err);
            }
            err.flush();
            return pe.exitCode().status();
        }
        err.println("error: unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                + (debug ? "" : " (rerun with --debug for the stack trace)"));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ExitCode.FAILURE.status();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = PgnestCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"pgnest " + p.getProperty("version", "unknown"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
