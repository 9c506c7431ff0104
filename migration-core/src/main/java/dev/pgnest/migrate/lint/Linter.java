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
    private final RuleSeverities severities;

    /** Every rule at its default severity. */
    public Linter() {
        this(RuleSeverities.DEFAULTS);
    }

    public Linter(RuleSeverities severities) {
        this.severities = severities;
    }

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
    private static final Pattern SET_STATEMENT_TIMEOUT = Pattern.compile(
            "(?i)^(SET (LOCAL |SESSION )?STATEMENT_TIMEOUT\\s*(=|TO)\\s*'?(?<v1>[^';]*)'?|SELECT\\s+SET_CONFIG\\s*\\(\\s*'statement_timeout'\\s*,\\s*'(?<v2>[^']*)')");
    private static final Pattern SETTING = Pattern.compile("^(SET|RESET|SELECT SET_CONFIG)\\b");
    private static final Pattern DROP_SCHEMA = Pattern.compile("^DROP SCHEMA\\b");
    private static final Pattern DROP_DATABASE = Pattern.compile("^DROP DATABASE\\b");
    private static final Pattern RENAME_SCHEMA = Pattern.compile("^ALTER SCHEMA \\S+ RENAME TO\\b");
    private static final Pattern REINDEX = Pattern.compile("^REINDEX\\b(?!.*\\bCONCURRENTLY\\b)");
    private static final Pattern DOMAIN_CHECK = Pattern.compile("^CREATE DOMAIN .*\\bCHECK\\b|^ALTER DOMAIN \\S+ ADD\\b");
    private static final Pattern ENUM_CHANGE = Pattern.compile("^ALTER TYPE \\S+ (RENAME VALUE\\b|ADD VALUE (?!.*\\b(BEFORE|AFTER)\\b))");
    private static final Pattern CREATE_TRIGGER = Pattern.compile("^CREATE (OR REPLACE )?(CONSTRAINT )?TRIGGER .*? ON (?<name>\\S+)");
    private static final Pattern BEGIN = Pattern.compile("^(BEGIN|START TRANSACTION)\\b(?! ATOMIC)");
    private static final Pattern END = Pattern.compile("^(COMMIT|END|ROLLBACK|ABORT)\\b");
    private static final Pattern NOT_ROBUST = Pattern.compile(
            "^DROP (TABLE|INDEX( CONCURRENTLY)?+|SCHEMA|TYPE|VIEW|MATERIALIZED VIEW|SEQUENCE|DOMAIN|EXTENSION|TRIGGER|FUNCTION) (?!IF EXISTS)"
                    + "|^CREATE (TABLE|(UNIQUE )?INDEX( CONCURRENTLY)?+|SCHEMA|SEQUENCE|EXTENSION) (?!IF NOT EXISTS)"
                    + "|^ALTER TABLE .*\\b(ADD COLUMN (?!IF NOT EXISTS)|DROP COLUMN (?!IF EXISTS))");
    private static final Pattern VOLATILE_DEFAULT = Pattern.compile(
            "\\bDEFAULT\\b.*\\b(RANDOM|GEN_RANDOM_UUID|UUID_GENERATE_V\\w+|CLOCK_TIMESTAMP|TIMEOFDAY|NEXTVAL|TXID_CURRENT)\\s*\\(");
    private static final Pattern FILLED_COLUMN = Pattern.compile(
            "\\b(SMALL|BIG)?SERIAL[248]?\\b|\\bGENERATED (ALWAYS|BY DEFAULT) AS IDENTITY\\b|\\bGENERATED ALWAYS AS \\(.*\\) STORED\\b");
    private static final Pattern JSON = Pattern.compile("\\bJSON\\b");
    private static final Pattern INT = Pattern.compile("\\b(INT|INTEGER|INT2|INT4|SMALLINT|SERIAL|SERIAL2|SERIAL4|SMALLSERIAL)\\b");
    private static final Pattern SERIAL = Pattern.compile("\\b(SMALL|BIG)?SERIAL[248]?\\b");
    private static final Pattern VARCHAR_N = Pattern.compile("\\b(VARCHAR|CHARACTER VARYING)\\s*\\(");
    private static final Pattern TIMESTAMP = Pattern.compile("\\bTIMESTAMP\\b(\\s*\\(\\d+\\))?+(?! WITH TIME ZONE)");
    private static final Pattern CHAR_N = Pattern.compile("\\b(CHAR|CHARACTER|BPCHAR)\\b(?! VARYING)");
    private static final Pattern LONG_NAME = Pattern.compile("(?<![A-Z0-9_$\"])[A-Z_][A-Z0-9_$]{63,}|\"(?<quoted>(?:[^\"]|\"\")*)\"");
    private static final Pattern INDEX_COLUMNS = Pattern.compile(
            "^CREATE (UNIQUE )?INDEX .*? ON (ONLY )?(?<name>[^ (]+)( USING \\S+)? ?\\( ?(?<col>[^ ,()]+)");
    private static final Pattern KEY_COLUMNS = Pattern.compile("(PRIMARY KEY|UNIQUE) ?\\( ?(?<col>[^ ,()]+)");
    private static final Pattern FOREIGN_KEY = Pattern.compile("FOREIGN KEY ?\\( ?(?<col>[^ ,()]+)");

    /** Lints one script; {@code file} names it in the findings. */
    public LintReport lint(String file, String sql) {
        SqlScript script = SqlScript.parse(sql);
        Set<Rule> disabled = disabledRules(file, script.disabledRuleIds());
        FileState state = new FileState(script);
        Set<Finding> findings = new LinkedHashSet<>();
        SqlScript.Statement lastBegin = null;
        for (SqlScript.Statement st : script.statements()) {
            lastBegin = BEGIN.matcher(st.normalized()).find() ? st : lastBegin;
            for (Rule rule : check(st, state)) {
                add(findings, disabled, file, st, rule);
            }
        }
        if (state.openTransactions > 0) {
            add(findings, disabled, file, lastBegin, Rule.NESTED_OR_UNCLOSED_TRANSACTION);
        }
        return new LintReport(List.of(file), new ArrayList<>(findings));
    }

    private void add(Set<Finding> findings, Set<Rule> disabled, String file, SqlScript.Statement st, Rule rule) {
        Rule.Severity severity = severities.of(rule);
        if (severity != Rule.Severity.OFF && !disabled.contains(rule)) {
            findings.add(new Finding(file, st.line(), rule, severity, excerpt(st.text())));
        }
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
        final Set<String> notValidConstraints = new HashSet<>();
        /** table.column of every column an index or key of this file leads with. */
        final Set<String> indexedColumns = new HashSet<>();
        final Set<String> createdTables = new HashSet<>();
        final boolean transactional;
        final boolean mixesTransactionModes;
        boolean lockTimeoutSet;
        boolean lockTimeoutReported;
        boolean statementTimeoutSet;
        boolean statementTimeoutReported;
        boolean accessExclusiveHeld;
        boolean afterAccessExclusiveReported;
        int openTransactions;

        FileState(SqlScript script) {
            transactional = !script.requiresNoTransaction();
            mixesTransactionModes = script.mixesTransactionModes();
            for (SqlScript.Statement st : script.statements()) {
                String s = st.normalized();
                Matcher m = INDEX_COLUMNS.matcher(s);
                if (m.find()) {
                    indexedColumns.add(bareName(m.group("name")) + "." + bareName(m.group("col")));
                }
                String table = tableOf(s);
                if (CREATE_TABLE.matcher(s).find()) {
                    createdTables.add(table);
                }
                if (table != null) {
                    for (String element : splitTopLevel(bodyOf(s))) {
                        Matcher k = KEY_COLUMNS.matcher(element);
                        if (k.find()) {
                            indexedColumns.add(table + "." + bareName(k.group("col")));
                        } else if (element.matches("^\\S+ .*\\b(PRIMARY KEY|UNIQUE)\\b.*") && !element.startsWith("CONSTRAINT ")) {
                            indexedColumns.add(table + "." + bareName(element.split(" ")[0]));
                        }
                    }
                }
            }
        }

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

    /** The bare table name of a CREATE TABLE or ALTER TABLE, else null. */
    private static String tableOf(String s) {
        Matcher m = CREATE_TABLE.matcher(s);
        if (m.find()) {
            return bareName(m.group("name"));
        }
        m = ALTER_TABLE.matcher(s);
        return m.find() ? bareName(m.group("name")) : null;
    }

    /** A CREATE TABLE's column and constraint list, or an ALTER TABLE's actions. */
    private static String bodyOf(String s) {
        Matcher m = ALTER_TABLE.matcher(s);
        if (m.find()) {
            return m.group("actions");
        }
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        return open < 0 || close < open ? "" : s.substring(open + 1, close);
    }

    private static List<Rule> check(SqlScript.Statement st, FileState state) {
        String s = st.normalized();
        List<Rule> out = new ArrayList<>(checkAnyStatement(st, state));
        boolean takesAccessExclusive = checkStatement(st, state, out);
        if (takesAccessExclusive && !state.statementTimeoutSet && !state.statementTimeoutReported) {
            out.add(Rule.MISSING_STATEMENT_TIMEOUT);
            state.statementTimeoutReported = true;
        }
        if (state.transactional) {
            if (state.accessExclusiveHeld && !SETTING.matcher(s).find() && !END.matcher(s).find()
                    && !state.afterAccessExclusiveReported) {
                out.add(Rule.STATEMENTS_AFTER_ACCESS_EXCLUSIVE_IN_ONE_TRANSACTION);
                state.afterAccessExclusiveReported = true; // once per file: the fix is to split it
            }
            state.accessExclusiveHeld = (state.accessExclusiveHeld || takesAccessExclusive) && !END.matcher(s).find();
        }
        return out;
    }

    /** Rules about names, types, transactions and re-runs, which hold for new tables as much as for old ones. */
    private static List<Rule> checkAnyStatement(SqlScript.Statement st, FileState state) {
        String s = st.normalized();
        List<Rule> out = new ArrayList<>();
        if (BEGIN.matcher(s).find()) {
            if (state.openTransactions > 0) {
                out.add(Rule.NESTED_OR_UNCLOSED_TRANSACTION);
            }
            state.openTransactions++;
        } else if (END.matcher(s).find()) {
            state.openTransactions = Math.max(0, state.openTransactions - 1);
        }
        if (s.contains("CONCURRENTLY") && st.requiresNoTransaction()
                && (state.mixesTransactionModes || state.openTransactions > 0)) {
            out.add(Rule.CONCURRENTLY_IN_TRANSACTION);
        }
        Matcher m = LONG_NAME.matcher(s);
        while (m.find()) {
            String quoted = m.group("quoted");
            if (quoted == null || quoted.replace("\"\"", "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                out.add(Rule.IDENTIFIER_TOO_LONG);
                break;
            }
        }
        if (NOT_ROBUST.matcher(s).find()) {
            out.add(Rule.PREFER_IF_EXISTS);
        }
        if (tableOf(s) != null || s.startsWith("CREATE DOMAIN ") || s.startsWith("CREATE TYPE ")) {
            // Column types: judged on the statement with its defaults and checks' contents blanked.
            String types = bodyOf(s).replaceAll("''", "");
            out.addAll(typeRules(types));
        }
        String table = tableOf(s);
        // Only a table created in this file must have its index here too; an older one may have it already.
        if (table != null && state.createdTables.contains(table)) {
            for (String element : splitTopLevel(bodyOf(s))) {
                Matcher fk = FOREIGN_KEY.matcher(element);
                String column = fk.find() ? fk.group("col")
                        : element.matches("^(ADD (COLUMN )?(IF NOT EXISTS )?)?\\S+ .*\\bREFERENCES\\b.*") && !element.startsWith("CONSTRAINT ")
                        ? element.replaceFirst("^ADD (COLUMN )?(IF NOT EXISTS )?", "").split(" ")[0] : null;
                if (column != null && !state.indexedColumns.contains(table + "." + bareName(column))) {
                    out.add(Rule.FOREIGN_KEY_WITHOUT_INDEX);
                    break;
                }
            }
        }
        return out;
    }

    private static List<Rule> typeRules(String types) {
        List<Rule> out = new ArrayList<>();
        if (JSON.matcher(types).find()) {
            out.add(Rule.JSON_INSTEAD_OF_JSONB);
        }
        if (INT.matcher(types).find()) {
            out.add(Rule.PREFER_BIGINT_OVER_INT);
        }
        if (SERIAL.matcher(types).find()) {
            out.add(Rule.PREFER_IDENTITY_OVER_SERIAL);
        }
        if (VARCHAR_N.matcher(types).find()) {
            out.add(Rule.PREFER_TEXT_OVER_VARCHAR_N);
        }
        if (TIMESTAMP.matcher(types).find()) {
            out.add(Rule.PREFER_TIMESTAMPTZ);
        }
        if (CHAR_N.matcher(types).find()) {
            out.add(Rule.BAN_CHAR_N);
        }
        return out;
    }

    /** Rules about locks and data; true when the statement takes an ACCESS EXCLUSIVE lock on an existing table. */
    private static boolean checkStatement(SqlScript.Statement st, FileState state, List<Rule> out) {
        String s = st.normalized();
        boolean takesAccessExclusive = false;
        Matcher st2 = SET_STATEMENT_TIMEOUT.matcher(st.text().strip());
        if (st2.find()) {
            String value = st2.group("v1") != null ? st2.group("v1") : st2.group("v2");
            state.statementTimeoutSet = !value.strip().equals("0");
            return false;
        }

        Matcher m = SET_LOCK_TIMEOUT.matcher(st.text().strip());
        if (m.find()) {
            String value = m.group("v1") != null ? m.group("v1") : m.group("v2");
            state.lockTimeoutSet = !value.strip().equals("0");
            return false;
        }
        if (RESET_LOCK_TIMEOUT.matcher(s).find()) {
            state.lockTimeoutSet = false;
            return false;
        }
        if ((m = CREATE_TABLE.matcher(s)).find()) {
            state.newTables.add(bareName(m.group("name")));
            return false;
        }
        if ((m = CREATE_INDEX.matcher(s)).find()) {
            if (m.group("concurrently") == null && !state.isNew(m.group("name"))) {
                out.add(Rule.CREATE_INDEX_WITHOUT_CONCURRENTLY);
            }
            if (s.startsWith("CREATE UNIQUE ") && !state.isNew(m.group("name"))) {
                out.add(Rule.UNIQUE_INDEX_ON_EXISTING_DATA);
            }
            return false;
        }
        if ((m = ALTER_TABLE.matcher(s)).find()) {
            String table = m.group("name");
            if (state.isNew(table)) {
                return false;
            }
            boolean onlyValidation = true;
            for (String action : splitTopLevel(m.group("actions"))) {
                // VALIDATE and a concurrent DETACH take SHARE UPDATE EXCLUSIVE: reads and writes go on.
                onlyValidation &= action.startsWith("VALIDATE CONSTRAINT")
                        || action.startsWith("DETACH PARTITION ") && action.contains(" CONCURRENTLY");
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
        } else if (DROP_INDEX.matcher(s).find()) {
            out.add(Rule.DROP_INDEX_WITHOUT_CONCURRENTLY);
            takesAccessExclusive = true;
        } else if (LOCK_TABLE.matcher(s).find()) {
            takesAccessExclusive = true;
        } else if (DROP_SCHEMA.matcher(s).find()) {
            out.add(Rule.DROP_SCHEMA);
        } else if (DROP_DATABASE.matcher(s).find()) {
            out.add(Rule.DROP_DATABASE);
        } else if (RENAME_SCHEMA.matcher(s).find()) {
            out.add(Rule.RENAME_SCHEMA);
        } else if (REINDEX.matcher(s).find()) {
            out.add(Rule.REINDEX_WITHOUT_CONCURRENTLY);
        } else if (DOMAIN_CHECK.matcher(s).find()) {
            out.add(Rule.DOMAIN_WITH_CHECK_CONSTRAINT);
        } else if (ENUM_CHANGE.matcher(s).find()) {
            out.add(Rule.ENUM_VALUE_RENAME_OR_UNORDERED_ADD);
        } else if ((m = CREATE_TRIGGER.matcher(s)).find() && !state.isNew(m.group("name"))) {
            out.add(Rule.TRIGGER_ON_EXISTING_TABLE);
        }
        if (takesAccessExclusive && !state.lockTimeoutSet && !state.lockTimeoutReported) {
            out.add(Rule.MISSING_LOCK_TIMEOUT);
            state.lockTimeoutReported = true; // once per file: the fix is one line at its top
        }
        return takesAccessExclusive;
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
            if (notValid && action.startsWith("ADD CONSTRAINT ")) {
                state.notValidConstraints.add(bareName(action.split(" ")[2]));
            }
            if (action.matches("^ADD (CONSTRAINT \\S+ )?FOREIGN KEY\\b.*") && !notValid) {
                out.add(Rule.ADD_FOREIGN_KEY_WITHOUT_NOT_VALID);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?CHECK\\b.*") && !notValid) {
                out.add(Rule.ADD_CHECK_WITHOUT_NOT_VALID);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?PRIMARY KEY\\b.*") && !action.contains(" USING INDEX ")) {
                out.add(Rule.ADD_PRIMARY_KEY_TO_EXISTING_TABLE);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?UNIQUE\\b.*") && !action.contains(" USING INDEX ")) {
                out.add(Rule.ADD_UNIQUE_CONSTRAINT_WITHOUT_INDEX);
            } else if (action.matches("^ADD (CONSTRAINT \\S+ )?EXCLUDE\\b.*")) {
                out.add(Rule.EXCLUSION_CONSTRAINT);
            }
        } else if (action.startsWith("ADD ")) {
            boolean notNull = action.matches(".*\\bNOT NULL\\b.*");
            boolean hasDefault = action.matches(".*\\b(DEFAULT|GENERATED)\\b.*");
            if (notNull && !hasDefault) {
                out.add(Rule.ADD_NOT_NULL_COLUMN_WITHOUT_DEFAULT);
            }
            if (FILLED_COLUMN.matcher(action).find()) {
                out.add(Rule.ADD_SERIAL_OR_IDENTITY_OR_STORED_GENERATED_COLUMN);
            } else if (VOLATILE_DEFAULT.matcher(action).find()) {
                out.add(Rule.ADD_COLUMN_WITH_VOLATILE_DEFAULT);
            }
        } else if (action.matches("^ALTER (COLUMN )?\\S+ (SET DATA )?TYPE\\b.*")) {
            out.add(Rule.CHANGE_COLUMN_TYPE);
        } else if (action.matches("^ALTER (COLUMN )?\\S+ SET NOT NULL\\b.*")) {
            // After a validated CHECK (col IS NOT NULL), PostgreSQL 12+ skips the scan.
            if (!state.validatedTables.contains(bareName(table))) {
                out.add(Rule.SET_NOT_NULL);
            }
        } else if (action.matches("^ALTER (COLUMN )?\\S+ DROP NOT NULL\\b.*")) {
            out.add(Rule.DROP_NOT_NULL);
        } else if (action.startsWith("DETACH PARTITION ") && !action.matches(".*\\b(CONCURRENTLY|FINALIZE)\\b.*")) {
            out.add(Rule.DETACH_PARTITION_WITHOUT_CONCURRENTLY);
        } else if (action.matches("^SET (LOGGED|UNLOGGED)\\b.*")) {
            out.add(Rule.SET_LOGGED_OR_UNLOGGED);
        } else if (action.startsWith("VALIDATE CONSTRAINT ")) {
            state.validatedTables.add(bareName(table));
            if (state.transactional && state.notValidConstraints.contains(bareName(action.split(" ")[2]))) {
                out.add(Rule.VALIDATE_CONSTRAINT_IN_SAME_TRANSACTION_AS_ADD);
            }
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
