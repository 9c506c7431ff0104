package dev.pgnest.migrate.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL script split into statements, with comments, string literals, quoted
 * identifiers and dollar-quoted bodies understood, so a semicolon or a keyword inside a
 * function body or a string never splits a statement or trips a rule.
 */
public final class SqlScript {
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z_0-9]*)?\\$");
    private static final Pattern DISABLE = Pattern.compile("pgnest-lint-disable[ \\t]+([a-z0-9\\-, \\t]+)");
    private static final Pattern NO_TRANSACTION = Pattern.compile(
            "^(CREATE (UNIQUE )?INDEX CONCURRENTLY|DROP INDEX CONCURRENTLY|REINDEX .*CONCURRENTLY"
                    + "|VACUUM|CREATE DATABASE|DROP DATABASE|ALTER SYSTEM|CREATE TABLESPACE|DROP TABLESPACE"
                    + "|CREATE SUBSCRIPTION|DROP SUBSCRIPTION|DISCARD ALL"
                    + "|ALTER TABLE .* DETACH PARTITION \\S+ CONCURRENTLY)\\b");

    /**
     * One statement: its first line (1-based) in the file, its text as written, and a
     * normalised form for matching: comments removed, whitespace collapsed, upper case,
     * string contents and dollar-quoted bodies blanked.
     */
    public record Statement(int line, String text, String normalized) {
        /** True when PostgreSQL refuses to run it inside a transaction block. */
        public boolean requiresNoTransaction() {
            return NO_TRANSACTION.matcher(normalized).find();
        }
    }

    private final List<Statement> statements;
    private final List<String> disabledRuleIds;

    private SqlScript(List<Statement> statements, List<String> disabledRuleIds) {
        this.statements = List.copyOf(statements);
        this.disabledRuleIds = List.copyOf(disabledRuleIds);
    }

    public List<Statement> statements() {
        return statements;
    }

    /** Rule ids named in {@code -- pgnest-lint-disable id[, id...]} comments. */
    public List<String> disabledRuleIds() {
        return disabledRuleIds;
    }

    /** True when any statement must run outside a transaction block. */
    public boolean requiresNoTransaction() {
        return statements.stream().anyMatch(Statement::requiresNoTransaction);
    }

    /** True when statements that need a transaction-free run are mixed with others. */
    public boolean mixesTransactionModes() {
        long outside = statements.stream().filter(Statement::requiresNoTransaction).count();
        return outside > 0 && outside < statements.size();
    }

    public static SqlScript parse(String sql) {
        List<Statement> statements = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        StringBuilder raw = new StringBuilder();
        StringBuilder norm = new StringBuilder();
        int line = 1;
        int startLine = -1;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                collectDisabled(sql.substring(i, end), disabled);
                raw.append(sql, i, end);
                norm.append(' ');
                i = end;
                continue;
            }
            if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int depth = 0;
                int j = i;
                while (j < n) {
                    if (sql.startsWith("/*", j)) {
                        depth++;
                        j += 2;
                    } else if (sql.startsWith("*/", j)) {
                        depth--;
                        j += 2;
                        if (depth == 0) {
                            break;
                        }
                    } else {
                        j++;
                    }
                }
                String comment = sql.substring(i, j);
                collectDisabled(comment, disabled);
                line += count(comment, '\n');
                raw.append(comment);
                norm.append(' ');
                i = j;
                continue;
            }
            if (c == '\'') {
                boolean backslashEscapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
                int j = i + 1;
                while (j < n) {
                    char d = sql.charAt(j);
                    if (backslashEscapes && d == '\\') {
                        j += 2;
                        continue;
                    }
                    if (d == '\'') {
                        if (j + 1 < n && sql.charAt(j + 1) == '\'') {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                j = Math.min(j + 1, n);
                String literal = sql.substring(i, j);
                startLine = startLine < 0 ? line : startLine;
                line += count(literal, '\n');
                raw.append(literal);
                norm.append("''");
                i = j;
                continue;
            }
            if (c == '"') {
                int j = sql.indexOf('"', i + 1);
                j = j < 0 ? n : j + 1;
                String ident = sql.substring(i, j);
                startLine = startLine < 0 ? line : startLine;
                line += count(ident, '\n');
                raw.append(ident);
                norm.append(ident);
                i = j;
                continue;
            }
            if (c == '$') {
                Matcher m = DOLLAR_TAG.matcher(sql).region(i, n);
                if (m.lookingAt() && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)))) {
                    String tag = m.group();
                    int close = sql.indexOf(tag, i + tag.length());
                    int j = close < 0 ? n : close + tag.length();
                    String body = sql.substring(i, j);
                    startLine = startLine < 0 ? line : startLine;
                    line += count(body, '\n');
                    raw.append(body);
                    norm.append("$$ $$");
                    i = j;
                    continue;
                }
            }
            if (c == ';') {
                add(statements, startLine, raw, norm);
                startLine = -1;
                i++;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            if (!Character.isWhitespace(c) && startLine < 0) {
                startLine = line;
            }
            raw.append(c);
            norm.append(Character.isWhitespace(c) ? ' ' : Character.toUpperCase(c));
            i++;
        }
        add(statements, startLine, raw, norm);
        return new SqlScript(statements, disabled);
    }

    private static void add(List<Statement> out, int line, StringBuilder raw, StringBuilder norm) {
        String normalized = norm.toString().replaceAll("\\s+", " ").trim();
        if (!normalized.isEmpty()) {
            out.add(new Statement(line < 0 ? 1 : line, stripLeadingComments(raw.toString()), normalized));
        }
        raw.setLength(0);
        norm.setLength(0);
    }

    private static String stripLeadingComments(String text) {
        String t = text.strip();
        while (t.startsWith("--")) {
            int nl = t.indexOf('\n');
            t = nl < 0 ? "" : t.substring(nl + 1).strip();
        }
        return t;
    }

    private static void collectDisabled(String comment, List<String> out) {
        Matcher m = DISABLE.matcher(comment.toLowerCase(Locale.ROOT));
        if (m.find()) {
            for (String id : m.group(1).split("[,\\s]+")) {
                if (!id.isBlank()) {
                    out.add(id.strip());
                }
            }
        }
    }

    private static int count(String s, char c) {
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }
}
