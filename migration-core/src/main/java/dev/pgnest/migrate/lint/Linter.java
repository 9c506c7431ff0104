package dev.pgnest.migrate.lint;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks migration scripts against the {@link Rule}s, one file at a time. A file is judged
 * on its own: a table created earlier in the same file is new (nobody can be using it, so
 * locking or rewriting it is harmless); any other table is assumed to exist with data and
 * traffic. Rules are switched off per file with {@code -- pgnest-lint-disable rule-id, ...}.
 */
public final class Linter {
    private static final Pattern ALTER_TABLE = Pattern.compile(
            "^ALTER TABLE (IF EXISTS )?(ONLY )?(?<name>\\S+?)( \\*)? (?<actions>.*)$");
    private static final Pattern CREATE_TABLE = Pattern.compile(
            "^CREATE (UNLOGGED |TEMP |TEMPORARY |GLOBAL TEMPORARY |LOCAL TEMPORARY )?TABLE (IF NOT EXISTS )?(?<name>[^ (]+)");
    private static final Pattern CREATE_INDEX = Pattern.compile(
            "^CREATE (UNIQUE )?INDEX (?<concurrently>CONCURRENTLY )?.*? ON (ONLY )?(?<name>[^ (]+)");
    private static final Pattern DROP_TABLE = Pattern.compile("^DROP TABLE (IF EXISTS )?(?<names>[^;]*?)( CASCADE| RESTRICT)?$");
    private static final Pattern DROP_TRIGGER = Pattern.compile("^DROP TRIGGER (IF EXISTS )?\\S+ ON (?<name>\\S+)");
    private static final Pattern TRUNCATE = Pattern.compile("^TRUNCATE\\b");
    private static final Pattern VACUUM_FULL = Pattern.compile("^VACUUM (\\([^)]*\\bFULL\\b[^)]*\\)|.*\\bFULL\\b)");
    private static final Pattern CLUSTER = Pattern.compile("^CLUSTER\\b");
    private static final Pattern DROP_INDEX = Pattern.compile("^DROP INDEX (?!CONCURRENTLY)");
    private static final Pattern LOCK_TABLE = Pattern.compile("^LOCK (TABLE )?(?!.* MODE)|^LOCK .*ACCESS EXCLUSIVE MODE");
    private static final Pattern SET_LOCK_TIMEOUT = Pattern.compile(
            "(?i)^(SET (LOCAL |SESSION )?LOCK_TIMEOUT\\s*(=|TO)\\s*'?(?<v1>[^';]*)'?|SELECT\\s+SET_CONFIG\\s*\\(\\s*'lock_timeout'\\s*,\\s*'(?<v2>[^']*)')");
    private static final Pattern RESET_LOCK_TIMEOUT = Pattern.compile("^RESET LOCK_TIMEOUT");

    /** Lints one script; {@code file} names it in the findings. */
    public LintReport lint(String file, String sql) {
        SqlScript script = SqlScript.parse(sql);
        Set<Rule> disabled = disabledRules(file, script.disabledRuleIds());
        FileState state = new FileState();
        Set<Finding> findings = new LinkedHashSet<>();
        for (SqlScript.Statement st : script.statements()) {
            for (Rule rule : check(st, state)) {
                if (!disabled.contains(rule)) {
                    findings.add(new Finding(file, st.line(), rule, excerpt(st.text())));
                }
            }
        }
        return new LintReport(List.of(file), new ArrayList<>(findings));
    }

    /**
     * Lints files, and the {@code .sql} files of directories (sorted by name), in order; a
     * directory's sub-directories holding a {@code migration.sql} (Prisma's layout) count too.
     */
    public LintReport lintFiles(Collection<Path> paths) {
        List<String> files = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (Path file : expand(paths)) {
            String sql;
            try {
                sql = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.USAGE, "cannot read migration file " + file + ": " + e.getMessage(),
                        "check the path and its permissions");
            }
            LintReport one = lint(file.toString(), sql);
            files.addAll(one.files());
            findings.addAll(one.findings());
        }
        return new LintReport(files, findings);
    }

    private static List<Path> expand(Collection<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    // A Prisma project keeps each migration in <timestamp>_<name>/migration.sql.
                    s.map(f -> Files.isRegularFile(f.resolve("migration.sql")) ? f.resolve("migration.sql") : f)
                            .filter(f -> f.getFileName().toString().endsWith(".sql") && Files.isRegularFile(f)).sorted()
                            .forEach(out::add);
                } catch (IOException e) {
                    throw new PgnestException(ErrorKind.USAGE, "cannot list migration directory " + p + ": " + e.getMessage(),
                            "check the path and its permissions");
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new PgnestException(ErrorKind.USAGE, "migration file " + p + " does not exist",
                        "give .sql files or directories that hold them");
            }
        }
        return out;
    }

    private static Set<Rule> disabledRules(String file, List<String> ids) {
        Set<Rule> rules = new HashSet<>();
        for (String id : ids) {
            rules.add(Rule.byId(id).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                    "unknown lint rule '" + id + "' in a pgnest-lint-disable comment in " + file,
                    "use rule ids from pgnest migrate lint --rules: "
                            + Arrays.stream(Rule.values()).map(Rule::id).collect(Collectors.joining(", ")))));
        }
        return rules;
    }

    private static String excerpt(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    /** What earlier statements of the same file established. */
    private static final class FileState {
        final Set<String> newTables = new HashSet<>();
        final Set<String> validatedTables = new HashSet<>();
        boolean lockTimeoutSet;
        boolean lockTimeoutReported;

        boolean isNew(String name) {
            return newTables.contains(bareName(name));
        }
    }

    private static String bareName(String name) {
        String n = name.endsWith("*") ? name.substring(0, name.length() - 1) : name;
        int dot = n.lastIndexOf('.');
        n = dot < 0 ? n : n.substring(dot + 1);
        return n.replace("\"", "").toUpperCase(Locale.ROOT);
    }

    private static List<Rule> check(SqlScript.Statement st, FileState state) {
        String s = st.normalized();
        List<Rule> out = new ArrayList<>();
        boolean takesAccessExclusive = false;

        Matcher m = SET_LOCK_TIMEOUT.matcher(st.text().strip());
        if (m.find()) {
            String value = m.group("v1") != null ? m.group("v1") : m.group("v2");
            state.lockTimeoutSet = !value.strip().equals("0");
            return out;
        }
        if (RESET_LOCK_TIMEOUT.matcher(s).find()) {
            state.lockTimeoutSet = false;
            return out;
        }
        if ((m = CREATE_TABLE.matcher(s)).find()) {
            state.newTables.add(bareName(m.group("name")));
            return out;
        }
        if ((m = CREATE_INDEX.matcher(s)).find()) {
            if (m.group("concurrently") == null && !state.isNew(m.group("name"))) {
                out.add(Rule.CREATE_INDEX_WITHOUT_CONCURRENTLY);
            }
            return out;
        }
        if ((m = ALTER_TABLE.matcher(s)).find()) {
            String table = m.group("name");
            if (state.isNew(table)) {
                return out;
            }
            boolean onlyValidation = true;
            for (String action : splitTopLevel(m.group("actions"))) {
                onlyValidation &= action.startsWith("VALIDATE CONSTRAINT");
                out.addAll(checkAlterAction(action, table, state));
            }
            takesAccessExclusive = !onlyValidation;
        } else if ((m = DROP_TABLE.matcher(s)).find()) {
            for (String name : m.group("names").split(",")) {
                if (!state.isNew(name.strip())) {
                    out.add(Rule.DROP_TABLE);
                    takesAccessExclusive = true;
                }
            }
        } else if (TRUNCATE.matcher(s).find()) {
            out.add(Rule.TRUNCATE);
            takesAccessExclusive = true;
        } else if (VACUUM_FULL.matcher(s).find()) {
            out.add(Rule.VACUUM_FULL);
            takesAccessExclusive = true;
        } else if (CLUSTER.matcher(s).find()) {
            out.add(Rule.CLUSTER);
            takesAccessExclusive = true;
        } else if ((m = DROP_TRIGGER.matcher(s)).find()) {
            takesAccessExclusive = !state.isNew(m.group("name"));
        } else if (DROP_INDEX.matcher(s).find() || LOCK_TABLE.matcher(s).find()) {
            takesAccessExclusive = true;
        }
        if (takesAccessExclusive && !state.lockTimeoutSet && !state.lockTimeoutReported) {
            out.add(Rule.MISSING_LOCK_TIMEOUT);
            state.lockTimeoutReported = true; // once per file: the fix is one line at its top
        }
        return out;
    }

    private static List<Rule> checkAlterAction(String action, String table, FileState state) {
        List<Rule> out = new ArrayList<>();
        if (action.startsWith("RENAME TO ")) {
            out.add(Rule.RENAME_TABLE);
        } else if (action.startsWith("RENAME ") && !action.startsWith("RENAME CONSTRAINT ")) {
            out.add(Rule.RENAME_COLUMN);
        } else if (action.startsWith("DROP ") && !action.startsWith("DROP CONSTRAINT ")) {
            out.add(Rule.DROP_COLUMN);
        } else if (action.matches("^ADD (CONSTRAINT \\S+ )?(FOREIGN KEY|CHECK|UNIQUE|PRIMARY KEY|EXCLUDE)\\b.*")) {
            boolean notValid = action.contains(" NOT VALID");
            if (action.matches("^ADD (CONSTRAINT \\S+ )?FOREIGN KEY\\b.*") && !notValid) {
                out.add(Rule.ADD_FOREIGN_KEY_WITHOUT_NOT_VALID);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?CHECK\\b.*") && !notValid) {
                out.add(Rule.ADD_CHECK_WITHOUT_NOT_VALID);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?(UNIQUE|PRIMARY KEY)\\b.*") && !action.contains(" USING INDEX ")) {
                out.add(Rule.ADD_UNIQUE_CONSTRAINT_WITHOUT_INDEX);
            }
        } else if (action.startsWith("ADD ")) {
            boolean notNull = action.matches(".*\\bNOT NULL\\b.*");
            boolean hasDefault = action.matches(".*\\b(DEFAULT|GENERATED)\\b.*");
            if (notNull && !hasDefault) {
                out.add(Rule.ADD_NOT_NULL_COLUMN_WITHOUT_DEFAULT);
            }
        } else if (action.matches("^ALTER (COLUMN )?\\S+ (SET DATA )?TYPE\\b.*")) {
            out.add(Rule.CHANGE_COLUMN_TYPE);
        } else if (action.matches("^ALTER (COLUMN )?\\S+ SET NOT NULL\\b.*")) {
            // After a validated CHECK (col IS NOT NULL), PostgreSQL 12+ skips the scan.
            if (!state.validatedTables.contains(bareName(table))) {
                out.add(Rule.SET_NOT_NULL);
            }
        } else if (action.startsWith("VALIDATE CONSTRAINT ")) {
            state.validatedTables.add(bareName(table));
        }
        return out;
    }

    /** Splits an ALTER TABLE action list at commas outside parentheses. */
    private static List<String> splitTopLevel(String actions) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < actions.length(); i++) {
            char c = actions.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(actions.substring(start, i).strip());
                start = i + 1;
            }
        }
        out.add(actions.substring(start).strip());
        return out;
    }
}
