package dev.pgnest.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the effective configuration with the precedence flags &gt; environment &gt; pgnest.yml
 * &gt; defaults. Every value is parsed and checked here, so a wrong type fails before any work
 * starts, with a message naming the setting, where the bad value came from, and what is allowed.
 */
public final class ConfigLoader {
    /** Environment variable naming the configuration file. */
    public static final String CONFIG_ENV = "PGNEST_CONFIG";
    public static final String DEFAULT_FILE = "pgnest.yml";
    /** The file of an installed pgnest, read when no other is given. */
    public static final Path SYSTEM_FILE = Path.of("/etc/pgnest/pgnest.yml");
    /**
     * System property overriding {@link #SYSTEM_FILE}: the installed launcher sets it relative to
     * where the package was unpacked, so that a package installed under a scratch root
     * ({@code dpkg --root}) reads its own conffile.
     */
    public static final String SYSTEM_FILE_PROPERTY = "pgnest.config.system";

    private final Map<String, String> env;
    private final Map<Setting<?>, Flag> flags;
    private final Path explicitFile;
    private final Path workingDir;
    private final Path systemFile;

    /** A value given on the command line, and the flag it was given with (for messages and config show). */
    public record Flag(String name, String value) {
    }

    /**
     * @param explicitFile the --config file, or null to use $PGNEST_CONFIG, else ./pgnest.yml or
     *                     /etc/pgnest/pgnest.yml, the first present
     * @param env          the process environment
     * @param flags        values given with the settings' own (root) flags
     */
    public ConfigLoader(Path explicitFile, Map<String, String> env, Map<Setting<?>, String> flags, Path workingDir) {
        this(explicitFile, env, workingDir, withRootFlagNames(flags));
    }

    /** @param flags values given on the command line: a setting's root flag or a command's option for it */
    public ConfigLoader(Path explicitFile, Map<String, String> env, Path workingDir, Map<Setting<?>, Flag> flags) {
        this(explicitFile, env, workingDir, flags, Path.of(System.getProperty(SYSTEM_FILE_PROPERTY, SYSTEM_FILE.toString())));
    }

    /** @param systemFile the file read when no other is given (normally {@link #SYSTEM_FILE}) */
    public ConfigLoader(Path explicitFile, Map<String, String> env, Path workingDir, Map<Setting<?>, Flag> flags, Path systemFile) {
        this.explicitFile = explicitFile;
        this.env = env;
        this.flags = flags;
        this.workingDir = workingDir;
        this.systemFile = systemFile;
    }

    private static Map<Setting<?>, Flag> withRootFlagNames(Map<Setting<?>, String> values) {
        Map<Setting<?>, Flag> named = new LinkedHashMap<>();
        values.forEach((s, v) -> named.put(s, new Flag(s.flag(), v)));
        return named;
    }

    public static PgnestConfig fromEnvironment() {
        return new ConfigLoader(null, System.getenv(), Map.of(), Path.of("")).load();
    }

    public PgnestConfig load() {
        Path file = locateFile();
        JsonNode root = file == null ? null : readYaml(file);
        String fileLabel = file == null ? null : file.toString();

        Map<String, Map<String, JsonNode>> fileTargets = new LinkedHashMap<>();
        Map<String, Map<String, JsonNode>> fileRepos = new LinkedHashMap<>();
        Map<String, JsonNode> fileGlobals = new LinkedHashMap<>();
        if (root != null) {
            splitTopLevel(root, fileGlobals, fileTargets, fileRepos);
        }

        SettingValues global = resolve(Scope.GLOBAL, "", fileGlobals, fileLabel, true);
        PgnestConfig.Selection targetSel = select(global.get(Settings.TARGET_NAME).orElse(null), fileTargets, "target", "targets", "--target", "PGNEST_TARGET");
        Map<String, SettingValues> targets = resolveAll(Scope.TARGET, fileTargets, targetSel, fileLabel);
        List<String> targetRepos = targetSel.problem() == null
                ? checkTargetRepositories(targets.get(targetSel.name()), fileRepos.keySet()) : List.of();
        // a target that names its repositories chooses the first when none is given
        String chosenRepo = global.get(Settings.REPOSITORY_NAME).orElse(targetRepos.isEmpty() ? null : targetRepos.get(0));
        PgnestConfig.Selection repoSel = select(chosenRepo, fileRepos, "repository", "repositories", "--repo", "PGNEST_REPOSITORY");

        Map<String, SettingValues> repos = resolveAll(Scope.REPOSITORY, fileRepos, repoSel, fileLabel);
        return new PgnestConfig(file, global, targets, repos, targetSel, repoSel);
    }

    private Path locateFile() {
        if (explicitFile != null) {
            Path p = workingDir.resolve(explicitFile);
            if (!Files.isRegularFile(p)) {
                throw new PgnestException(ErrorKind.CONFIG, "configuration file " + explicitFile + " does not exist",
                        "check the --config path");
            }
            return p;
        }
        String fromEnv = env.get(CONFIG_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = workingDir.resolve(fromEnv);
            if (!Files.isRegularFile(p)) {
                throw new PgnestException(ErrorKind.CONFIG, "configuration file " + fromEnv + " (from " + CONFIG_ENV + ") does not exist",
                        "fix " + CONFIG_ENV + " or unset it");
            }
            return p;
        }
        Path local = workingDir.resolve(DEFAULT_FILE);
        if (Files.isRegularFile(local)) {
            return local;
        }
        if (!Files.isRegularFile(systemFile)) {
            return null;
        }
        if (!Files.isReadable(systemFile)) {
            // the package installs it root:postgres 0640: it may hold the database password
            throw new PgnestException(ErrorKind.CONFIG, "cannot read " + systemFile + " (permission denied)",
                    "run pgnest as the postgres user (or root), or give a file of your own with --config or " + CONFIG_ENV);
        }
        return systemFile;
    }

    private static JsonNode readYaml(Path file) {
        try {
            JsonNode node = new YAMLMapper().readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw new PgnestException(ErrorKind.CONFIG, file + " is not a YAML mapping of settings",
                        "start from the example in docs/reference/configuration.md");
            }
            return node;
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new PgnestException(ErrorKind.CONFIG, file + " is not valid YAML" + where, "fix the syntax (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot read " + file, e.getMessage());
        }
    }

    private static void splitTopLevel(JsonNode root, Map<String, JsonNode> globals,
                                      Map<String, Map<String, JsonNode>> targets, Map<String, Map<String, JsonNode>> repos) {
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "targets" -> named(e.getValue(), "targets", Scope.TARGET, targets);
                case "repositories" -> named(e.getValue(), "repositories", Scope.REPOSITORY, repos);
                default -> flatten(e.getKey(), e.getValue(), Scope.GLOBAL, "", globals);
            }
        }
    }

    private static void named(JsonNode node, String section, Scope scope, Map<String, Map<String, JsonNode>> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new PgnestException(ErrorKind.CONFIG, section + " in pgnest.yml must be a mapping of names to settings",
                    "write e.g. " + section + ":\\n  prod:\\n    ...");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
                throw new PgnestException(ErrorKind.CONFIG, "'" + name + "' in " + section + " is not a usable name",
                        "use letters, digits, - and _ only");
            }
            Map<String, JsonNode> values = new LinkedHashMap<>();
            if (e.getValue().isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> f = e.getValue().fields(); f.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = f.next();
                    flatten(kv.getKey(), kv.getValue(), scope, scope.fileKey(name, ""), values);
                }
            } else if (!e.getValue().isNull()) {
                throw new PgnestException(ErrorKind.CONFIG, section + "." + name + " in pgnest.yml must be a mapping of settings",
                        "see docs/reference/configuration.md");
            }
            out.put(name, values);
        }
    }

    /** Nested mappings become dotted keys (s3: {bucket: x} is s3.bucket); unknown keys are errors. */
    private static void flatten(String key, JsonNode node, Scope scope, String pathPrefix, Map<String, JsonNode> out) {
        if (Settings.byKey(scope, key).isPresent()) {
            out.put(key, node);
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(key + "." + e.getKey(), e.getValue(), scope, pathPrefix, out);
            }
            return;
        }
        TreeSet<String> known = new TreeSet<>();
        Settings.inScope(scope).forEach(s -> known.add(s.key()));
        if (scope == Scope.GLOBAL) {
            known.add("targets");
            known.add("repositories");
        }
        throw new PgnestException(ErrorKind.CONFIG, "unknown setting " + pathPrefix + key + " in pgnest.yml",
                "check the spelling; known here: " + String.join(", ", known));
    }

    private PgnestConfig.Selection select(String chosen, Map<String, Map<String, JsonNode>> inFile,
                                          String what, String section, String flag, String envVar) {
        if (chosen != null) {
            if (!inFile.isEmpty() && !inFile.containsKey(chosen)) {
                return new PgnestConfig.Selection(chosen, new PgnestException(ErrorKind.CONFIG,
                        what + " '" + chosen + "' is not defined in pgnest.yml",
                        "define " + section + "." + chosen + " or choose one of: " + String.join(", ", inFile.keySet())));
            }
            return new PgnestConfig.Selection(chosen, null);
        }
        if (inFile.size() > 1) {
            return new PgnestConfig.Selection(null, new PgnestException(ErrorKind.CONFIG,
                    "several " + section + " are defined (" + String.join(", ", inFile.keySet()) + ") and none is chosen",
                    "pass " + flag + ", set " + envVar + ", or add " + what + ": NAME to pgnest.yml"));
        }
        return new PgnestConfig.Selection(inFile.size() == 1 ? inFile.keySet().iterator().next() : PgnestConfig.DEFAULT_NAME, null);
    }

    /** The selected target's repositories, each defined in pgnest.yml. */
    private static List<String> checkTargetRepositories(SettingValues target, java.util.Set<String> defined) {
        List<String> names = target.get(Settings.TARGET_REPOSITORIES).orElse(List.of());
        for (String name : names) {
            if (!defined.contains(name)) {
                throw new PgnestException(ErrorKind.CONFIG, "repository '" + name + "' of targets." + target.name()
                        + ".repositories is not defined in pgnest.yml", defined.isEmpty()
                        ? "define repositories." + name + " in pgnest.yml"
                        : "define repositories." + name + " or choose among: " + String.join(", ", defined));
            }
        }
        if (new java.util.HashSet<>(names).size() < names.size()) {
            throw new PgnestException(ErrorKind.CONFIG, "targets." + target.name() + ".repositories names a repository twice",
                    "list each repository once");
        }
        return names;
    }

    private Map<String, SettingValues> resolveAll(Scope scope, Map<String, Map<String, JsonNode>> inFile,
                                                  PgnestConfig.Selection selection, String fileLabel) {
        Map<String, SettingValues> all = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, JsonNode>> e : inFile.entrySet()) {
            boolean selected = e.getKey().equals(selection.name()) && selection.problem() == null;
            all.put(e.getKey(), resolve(scope, e.getKey(), e.getValue(), fileLabel, selected));
        }
        if (selection.problem() == null && !all.containsKey(selection.name())) {
            all.put(selection.name(), resolve(scope, selection.name(), Map.of(), fileLabel, true));
        }
        return all;
    }

    private SettingValues resolve(Scope scope, String name, Map<String, JsonNode> fromFile, String fileLabel, boolean selected) {
        Map<Setting<?>, SettingValues.Entry<?>> entries = new LinkedHashMap<>();
        for (Setting<?> s : Settings.inScope(scope)) {
            entries.put(s, resolveOne(s, name, fromFile.get(s.key()), fileLabel, selected));
        }
        return new SettingValues(scope, name, entries);
    }

    private <T> SettingValues.Entry<T> resolveOne(Setting<T> s, String name, JsonNode fileValue, String fileLabel, boolean selected) {
        if (selected) {
            Flag flag = flags.get(s);
            if (flag != null) {
                return new SettingValues.Entry<>(s, parse(s, flag.value(), "flag " + flag.name(), flag.name()),
                        new ValueSource(ValueSource.Kind.FLAG, flag.name()));
            }
            List<String> vars = new ArrayList<>();
            vars.add(s.env());
            vars.addAll(s.envAliases());
            for (String var : vars) {
                String v = env.get(var);
                if (v != null && !v.isEmpty()) {
                    return new SettingValues.Entry<>(s, parse(s, v, "environment variable " + var, var),
                            new ValueSource(ValueSource.Kind.ENV, var));
                }
            }
        }
        if (fileValue != null && !fileValue.isNull()) {
            String fileKey = s.scope().fileKey(name, s.key());
            String where = fileKey + " in " + fileLabel;
            T value;
            if (fileValue.isArray() && s.type() instanceof SettingType.StringList) {
                List<String> items = new ArrayList<>();
                fileValue.forEach(n -> items.add(n.asText()));
                @SuppressWarnings("unchecked")
                T list = (T) List.copyOf(items);
                value = list;
            } else if (fileValue.isValueNode()) {
                value = parse(s, fileValue.asText(), where, where);
            } else {
                throw new PgnestException(ErrorKind.CONFIG, where + " must be a single value, not a " + (fileValue.isArray() ? "list" : "mapping"),
                        "expected " + s.type().describe());
            }
            return new SettingValues.Entry<>(s, value, new ValueSource(ValueSource.Kind.FILE, fileLabel));
        }
        if (s.defaultValue() != null) {
            return new SettingValues.Entry<>(s, s.defaultValue(), ValueSource.DEFAULT);
        }
        return new SettingValues.Entry<>(s, null, ValueSource.UNSET);
    }

    /**
     * @param where what the value came from, for the message
     * @param name  what the operator sets it with, for the fix: the variable, the flag, the key in the file
     */
    private static <T> T parse(Setting<T> s, String raw, String where, String name) {
        try {
            return s.type().parse(raw);
        } catch (IllegalArgumentException e) {
            if (s.type().example() != null && !s.secret()) {
                throw new PgnestException(ErrorKind.CONFIG, s.key() + " '" + raw + "' " + e.getMessage(),
                        "set " + name + " like " + s.type().example());
            }
            // Never echo a secret's value back, even when it is malformed.
            String reason = s.secret() ? "the value is malformed" : e.getMessage();
            throw new PgnestException(ErrorKind.CONFIG, "invalid " + s.key() + " from " + where + ": " + reason,
                    "expected " + s.type().describe());
        }
    }
}
