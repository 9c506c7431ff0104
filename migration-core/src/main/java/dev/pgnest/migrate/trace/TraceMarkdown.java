package dev.pgnest.migrate.trace;

import dev.pgnest.migrate.trace.TraceReport.Lock;
import dev.pgnest.migrate.trace.TraceReport.TracedMigration;
import dev.pgnest.migrate.trace.TraceReport.TracedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A trace as Markdown sections: the verdict, then one table per migration, one row per statement. */
public final class TraceMarkdown {
    private TraceMarkdown() {
    }

    public static String render(TraceReport trace) {
        List<String> md = new ArrayList<>();
        List<String> problems = trace.problems();
        md.add("## Verdict");
        md.add("");
        if (problems.isEmpty()) {
            md.add("No statement failed, held a write-blocking lock on an existing relation longer than "
                    + trace.limits().lockHeld().toMillis() + " ms, or rewrote a relation larger than "
                    + bytes(trace.limits().rewrite()) + ".");
        } else {
            problems.forEach(p -> md.add("- " + cell(p)));
        }
        for (TracedMigration m : trace.migrations()) {
            md.add("");
            md.add("## " + m.script() + (m.transactional() ? "" : " (outside a transaction)"));
            md.add("");
            md.add("| Line | Statement | Seconds | Rows | Locks taken (held) | Rewrites | Failure |");
            md.add("|---:|---|---:|---:|---|---|---|");
            for (TracedStatement s : m.statements()) {
                md.add("| " + s.line() + " | `" + cell(abbreviate(s.sql())) + "` | "
                        + String.format(Locale.ROOT, "%.3f", s.duration().toNanos() / 1e9) + " | "
                        + (s.rows() == null ? "" : s.rows()) + " | " + cell(locks(s)) + " | "
                        + cell(s.rewrites().stream().map(r -> r.kind() + " " + r.relation() + " (" + bytes(r.sizeBytes()) + ")")
                                .collect(Collectors.joining(", ")))
                        + " | " + (s.failure() == null ? "" : cell("**" + s.failure().sqlState() + "** " + s.failure().message()
                                + (s.failure().dataCaused() ? " (caused by the data)" : ""))) + " |");
            }
        }
        md.add("");
        return String.join("\n", md);
    }

    static String locks(TracedStatement s) {
        if (!s.traced()) {
            return s.failure() == null ? "not traced (outside a transaction)" : "";
        }
        return s.locks().stream().map(TraceMarkdown::lock).collect(Collectors.joining(", "));
    }

    private static String lock(Lock l) {
        return l.mode() + " " + l.relation() + (l.preexisting() ? "" : " (new)") + " (" + l.held().toMillis() + " ms)"
                + (l.preexisting() && l.blocksWrites() ? (l.blocksReads() ? " blocks reads and writes" : " blocks writes") : "");
    }

    static String abbreviate(String sql) {
        String one = sql.replaceAll("\\s+", " ").strip();
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }

    /** 12,345,678 B: exact, as the JSON report has it. */
    static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d B", n);
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("`", "'").replace("\n", " ");
    }
}
