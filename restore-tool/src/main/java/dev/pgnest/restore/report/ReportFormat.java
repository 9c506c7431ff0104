package dev.pgnest.restore.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.restore.report.IncidentReport.Check;
import dev.pgnest.restore.report.IncidentReport.Phase;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.restore.timeline.TimelineSvg;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An incident report as JSON and as Markdown, and saved as both. */
public final class ReportFormat {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ReportFormat() {
    }

    public static byte[] json(IncidentReport report) {
        try {
            return JSON.writeValueAsBytes(report);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize report " + report.id(), e);
        }
    }

    public static IncidentReport parse(byte[] json) {
        try {
            return JSON.readValue(json, IncidentReport.class);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.REPOSITORY, "cannot read a restore report: " + e.getMessage(),
                    "the report file is damaged; the restore itself is not affected", e);
        }
    }

    /** A page a person can read at 3 a.m. and paste into the incident ticket. */
    public static String markdown(IncidentReport r) {
        return markdown(r, null);
    }

    /** The page, linking {@code picture} (a file name beside it) when there is one. */
    static String markdown(IncidentReport r, String picture) {
        List<String> md = new ArrayList<>();
        md.add("# Restore report " + r.id());
        md.add("");
        md.add("**" + (r.status() == IncidentReport.Status.succeeded ? "Succeeded" : "FAILED") + "** — "
                + r.kind() + " restore of target `" + r.target() + "`, " + r.startedAt() + " to " + r.finishedAt()
                + " (" + seconds(r.duration().toMillis() / 1000.0) + ") on " + r.host() + ", " + r.toolVersion() + ".");
        if (r.error() != null) {
            md.add("");
            md.add("Error: " + r.error());
        }
        md.add("");
        md.add("| | |");
        md.add("|---|---|");
        if (r.requested() != null) {
            var q = r.requested();
            row(md, "Target requested", join(q.type(), q.value())
                    + (q.inclusive() == null ? "" : q.inclusive() ? " (inclusive)" : " (exclusive)")
                    + (q.action() == null ? "" : ", then " + q.action()));
            row(md, "Backup chosen by", q.selection());
            if (q.filters() != null && !q.filters().isEmpty()) {
                row(md, "Filters", String.join(" ", q.filters()));
            }
        }
        if (r.reached() != null) {
            var t = r.reached();
            row(md, "Reached", join(t.state(), t.lsn() == null ? null : "LSN " + t.lsn())
                    + (t.time() == null ? "" : ", last transaction " + t.time())
                    + (t.timeline() == null ? "" : ", timeline " + t.timeline()));
            row(md, "Stopped because", t.stopReason());
        }
        if (r.backup() != null) {
            var b = r.backup();
            row(md, "Backup", "`" + b.id() + "` (" + b.kind() + ", " + b.startTime() + " to " + b.endTime()
                    + (b.stopLsn() == null ? "" : ", LSN " + b.startLsn() + " to " + b.stopLsn())
                    + (b.timeline() == null ? "" : ", timeline " + b.timeline()) + ")");
            row(md, "Schema version", b.schemaVersion());
            row(md, "Downloaded", b.storedBytes() == null ? null : bytes(b.storedBytes()));
        }
        if (r.wal() != null) {
            var w = r.wal();
            row(md, "WAL replayed", w.segments() == 0 ? "none" : w.segments() + " segments, " + w.first() + " to " + w.last());
        }
        if (r.destination() != null) {
            var d = r.destination();
            row(md, "Restored into", d.dataDir() != null ? "data directory `" + d.dataDir() + "`" + (d.port() == null ? "" : ", port " + d.port())
                    : "database `" + d.database() + "`");
            row(md, "Server", d.running() == null ? null : d.running() ? "left running" : "stopped");
        }
        if (picture != null) {
            md.add("");
            md.add("## Restorable window");
            md.add("");
            md.add("![Restorable window of target " + r.target() + ": backups, WAL coverage per timeline, gaps, drills](" + picture + ")");
        }
        md.add("");
        md.add("## Phases");
        md.add("");
        md.add("| Phase | Seconds | Detail |");
        md.add("|---|---:|---|");
        for (Phase p : r.phases()) {
            md.add("| " + p.name() + " | " + String.format(Locale.ROOT, "%.2f", p.seconds()) + " | " + cell(p.detail()) + " |");
        }
        if (!r.checks().isEmpty()) {
            md.add("");
            md.add("## Checks");
            md.add("");
            md.add("| Check | Result | Expected | Actual |");
            md.add("|---|---|---|---|");
            for (Check c : r.checks()) {
                md.add("| " + cell(c.name()) + " | " + (c.passed() ? "ok" : "**FAILED**") + " | " + cell(c.expected())
                        + " | " + cell(c.actual()) + " |");
            }
        }
        md.add("");
        return String.join("\n", md);
    }

    /** Writes {@code <id>.json} and {@code <id>.md} into {@code dir}; returns the Markdown file. */
    public static Path save(IncidentReport report, Path dir) {
        return save(report, dir, null);
    }

    /**
     * Writes {@code <id>.json}, {@code <id>.md} and, with a {@code picture}, {@code <id>.svg}
     * linked from the Markdown; returns the Markdown file.
     */
    public static Path save(IncidentReport report, Path dir, TimelinePicture picture) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(report.id() + ".json"), json(report));
            String svg = null;
            if (picture != null) {
                svg = report.id() + ".svg";
                Files.writeString(dir.resolve(svg), TimelineSvg.render(picture), StandardCharsets.UTF_8);
            }
            Path md = dir.resolve(report.id() + ".md");
            Files.writeString(md, markdown(report, svg), StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot save the restore report in " + dir + ": " + e.getMessage(),
                    "set restore.report-dir to a writable directory", e);
        }
    }

    private static void row(List<String> md, String name, String value) {
        if (value != null && !value.isBlank()) {
            md.add("| " + name + " | " + cell(value) + " |");
        }
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b == null ? "" : b;
        }
        return b == null || b.isBlank() ? a : a + " " + b;
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    /** 1.5 GiB, 12.0 MiB, 512 B. */
    public static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
