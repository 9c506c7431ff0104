package dev.pgnest.serve.http;

import dev.pgnest.repository.DrillRecord;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.restore.timeline.TimelineSvg;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.metrics.WalLag;
import dev.pgnest.serve.schedule.JobHistory.JobRun;
import dev.pgnest.serve.status.TargetStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The status page {@code /}: per target, the schedules and how their last run went, the
 * backups, the restorable window per timeline, the last proven restore (drill) and the WAL
 * archive lag. Server-rendered HTML with inline CSS, no script: it reads in any browser and in
 * {@code curl}.
 */
public final class StatusPage {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** How far back the picture reaches unless {@code ?days=} says otherwise. */
    public static final int DEFAULT_DAYS = 14;
    private static final int MAX_DAYS = 3660;

    /**
     * Everything the page shows.
     *
     * @param days how far back the restorable-window picture reaches
     */
    public record Model(String instance, Instant now, int days, List<Target> targets) {
    }

    /**
     * One target.
     *
     * @param status      from the repository; null when it could not be read ({@code statusError} says why)
     * @param walLag      null when not measured (archiving off, no probe)
     * @param timeline    the restorable-window picture; null when the repository could not be read
     */
    public record Target(String name, List<ScheduleRow> schedules, TargetStatus status, String statusError,
                         WalLag walLag, List<JobRun> recentRuns, TimelinePicture timeline) {
    }

    /** One schedule and its last run. */
    public record ScheduleRow(JobKind kind, String cron, Instant nextFire, JobRun lastRun) {
    }

    private StatusPage() {
    }

    /** {@code days=N} from the page's query; a missing or unusable value means the default. */
    public static int days(String rawQuery) {
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.startsWith("days=")) {
                    try {
                        int d = Integer.parseInt(pair.substring(5));
                        return Math.max(1, Math.min(MAX_DAYS, d));
                    } catch (NumberFormatException e) {
                        return DEFAULT_DAYS;
                    }
                }
            }
        }
        return DEFAULT_DAYS;
    }

    public static String render(Model m) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>pgnest serve</title><style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:70em}")
                .append("h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}")
                .append("h3{font-size:1em;margin:1em 0 .3em}table{border-collapse:collapse;margin:.3em 0}")
                .append("td,th{padding:.2em .7em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}")
                .append("th{background:#f4f4f4}.ok{color:#176b1d;font-weight:600}.bad{color:#b00020;font-weight:600}")
                .append(".warn{color:#8a5a00;font-weight:600}.muted{color:#777}.num{text-align:right}figure.timeline{margin:.5em 0;overflow-x:auto}")
                .append("</style></head><body>\n");
        h.append("<h1>pgnest serve</h1><p class=\"muted\">replica ").append(esc(m.instance())).append(" · ")
                .append(TIME.format(m.now())).append(" · <a href=\"/metrics\">metrics</a> · <a href=\"/health\">health</a></p>\n");
        if (m.targets().isEmpty()) {
            h.append("<p>No target has a schedule: set schedule.logical (or physical, expire, verify, drill) for a target.</p>");
        }
        for (Target t : m.targets()) {
            target(h, t, m.now(), m.days());
        }
        return h.append("</body></html>\n").toString();
    }

    private static void target(StringBuilder h, Target t, Instant now, int days) {
        String id = slug(t.name());
        h.append("<section id=\"target-").append(id).append("\"><h2>Target ").append(esc(t.name())).append("</h2>\n");

        // the answer to "can I restore, and to when?" first
        h.append("<h3>Restorable window</h3><div id=\"window-").append(id).append("\">");
        if (t.status() == null) {
            h.append("<p class=\"bad\">Repository unreadable: ").append(esc(t.statusError())).append("</p>");
        } else if (t.status().windows().isEmpty()) {
            h.append("<p class=\"bad\">Nothing to restore yet: no backup.</p>");
        } else {
            h.append("<table class=\"windows\"><tr><th>Timeline</th><th>From</th><th>To</th><th>How</th></tr>");
            for (TargetStatus.RestorableWindow w : t.status().windows()) {
                h.append("<tr class=\"window\"><td class=\"num\">").append(w.timeline() == 0 ? "logical" : Long.toString(w.timeline()))
                        .append("</td><td>")
                        .append(time(w.from())).append("</td><td>").append(time(w.to())).append("</td><td>")
                        .append(esc(w.note())).append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append("</div>\n");
        if (t.timeline() != null) {
            h.append("<figure class=\"timeline\" id=\"timeline-").append(id).append("\">")
                    .append(TimelineSvg.render(t.timeline().withNowNote(lag(t.walLag()))))
                    .append("<figcaption class=\"muted\">last ").append(days).append(" day").append(days == 1 ? "" : "s")
                    .append(" · <a href=\"?days=").append(days * 2).append("\">").append(days * 2).append(" days</a>")
                    .append(days > 1 ? " · <a href=\"?days=" + Math.max(1, days / 2) + "\">" + Math.max(1, days / 2) + "</a>" : "")
                    .append(" · hover a mark for its name</figcaption></figure>\n");
        }

        h.append("<h3>Last proven restore</h3><div id=\"drill-").append(id).append("\">");
        proof(h, t.status(), now);
        h.append("</div>\n");

        if (t.walLag() != null) {
            WalLag l = t.walLag();
            boolean late = l.segments() > 0;
            h.append("<h3>WAL archive</h3><p id=\"wal-").append(id).append("\"><span class=\"")
                    .append(l.failing() ? "bad" : late ? "warn" : "ok").append("\">")
                    .append(l.segments()).append(" segment").append(l.segments() == 1 ? "" : "s").append(" waiting")
                    .append(late ? " for " + span(l.age()) : "").append("</span>")
                    .append(l.failing() ? " · the archiver's last attempt failed" : "")
                    .append(l.lastArchived() == null ? "" : " · last archived " + esc(l.lastArchived()) + " at "
                            + time(l.lastArchivedTime()))
                    .append("</p>\n");
        }

        h.append("<h3>Schedules</h3>");
        if (t.schedules().isEmpty()) {
            h.append("<p class=\"muted\">none</p>");
        } else {
            h.append("<table class=\"schedules\"><tr><th>Job</th><th>Cron</th><th>Next</th><th>Last run</th></tr>");
            for (ScheduleRow s : t.schedules()) {
                h.append("<tr><td>").append(esc(s.kind().label())).append("</td><td><code>").append(esc(s.cron()))
                        .append("</code></td><td>").append(time(s.nextFire())).append("</td><td>")
                        .append(run(s.lastRun(), now)).append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append('\n');

        h.append("<h3>Backups</h3><div id=\"backups-").append(id).append("\">");
        if (t.status() == null) {
            h.append("<p class=\"bad\">unknown</p>");
        } else if (t.status().backups().isEmpty()) {
            h.append("<p class=\"bad\">none</p>");
        } else {
            h.append("<table class=\"backups\"><tr><th>Backup</th><th>Kind</th><th>Taken</th><th>Took</th>")
                    .append("<th class=\"num\">Size</th><th>Verified</th><th>Proven</th></tr>");
            List<TargetStatus.Backup> backups = t.status().backups();
            for (int i = backups.size() - 1; i >= 0; i--) {
                TargetStatus.Backup b = backups.get(i);
                h.append("<tr class=\"backup\"><td><code>").append(esc(b.id())).append("</code>")
                        .append(b.tags().isEmpty() ? "" : " <span class=\"muted\">" + esc(String.join(", ", b.tags())) + "</span>")
                        .append("</td><td>").append(esc(b.kind())).append("</td><td>").append(time(b.end()))
                        .append("</td><td>").append(b.start() == null || b.end() == null ? "" : span(Duration.between(b.start(), b.end())))
                        .append("</td><td class=\"num\">").append(size(b.bytes())).append("</td><td>")
                        .append(b.verified() == null ? "<span class=\"muted\">not yet</span>"
                                : b.verified().equals("ok") ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">" + esc(b.verified()) + "</span>")
                        .append("</td><td>").append(b.provenAt() == null ? "<span class=\"muted\">never</span>"
                                : "<span class=\"ok\">" + time(b.provenAt()) + "</span>")
                        .append(b.damage() == null ? "" : " <span class=\"bad\">damaged: " + esc(b.damage()) + "</span>")
                        .append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append("</div>\n");

        if (!t.recentRuns().isEmpty()) {
            h.append("<h3>Recent runs</h3><table class=\"runs\"><tr><th>Job</th><th>Started</th><th>Outcome</th><th>Replica</th></tr>");
            for (JobRun r : t.recentRuns()) {
                h.append("<tr><td>").append(esc(r.kind().label())).append("</td><td>").append(time(r.startedAt()))
                        .append("</td><td>").append(run(r, now)).append("</td><td class=\"muted\">")
                        .append(esc(r.instance())).append(r.recovering() ? " (recovery)" : "").append("</td></tr>");
            }
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    /** From the repository's drill records: a drill run by hand, by cron or by another service counts the same. */
    private static void proof(StringBuilder h, TargetStatus status, Instant now) {
        if (status == null) {
            h.append("<p class=\"muted\">unknown (the repository is unreadable)</p>");
            return;
        }
        if (status.lastProven().isEmpty()) {
            h.append("<p><span class=\"warn\">never</span> <span class=\"muted\">(run pgnest restore drill, or set ")
                    .append("schedule.drill, to prove backups restore)</span></p>");
        }
        for (DrillRecord d : status.lastProven()) {
            h.append("<p class=\"proven\"><span class=\"ok\">").append(time(d.finishedAt())).append("</span> (")
                    .append(ago(d.finishedAt(), now)).append(") · ").append(esc(d.backup().kind())).append(" backup <code>")
                    .append(esc(d.backup().id())).append("</code> · drill ").append(esc(d.id()))
                    .append(d.host() == null ? "" : " on " + esc(d.host())).append("</p>");
        }
        DrillRecord last = status.lastDrill();
        if (last != null && !last.succeeded()) {
            h.append("<p class=\"drill-failed\"><span class=\"bad\">last drill FAILED</span> ").append(time(last.finishedAt()))
                    .append(last.backupId() == null ? "" : " · backup <code>" + esc(last.backupId()) + "</code>")
                    .append(last.error() == null ? "" : ": " + esc(last.error()))
                    .append(" · report <code>").append(esc(last.report())).append("</code></p>");
        }
        if (status.lastVerified() != null) {
            h.append("<p class=\"muted\">last verified ok ").append(time(status.lastVerified())).append("</p>");
        }
    }

    private static String lag(WalLag l) {
        if (l == null) {
            return null;
        }
        return "archive lag " + l.segments() + " segment" + (l.segments() == 1 ? "" : "s")
                + (l.segments() > 0 ? ", " + span(l.age()) : "") + (l.failing() ? ", archiver failing" : "");
    }

    private static String run(JobRun r, Instant now) {
        if (r == null) {
            return "<span class=\"muted\">never</span>";
        }
        return switch (r.outcome()) {
            case succeeded -> "<span class=\"ok\">ok</span> " + ago(r.finishedAt(), now)
                    + r.duration().map(d -> ", took " + span(d)).orElse("")
                    + (r.summary() == null ? "" : " · " + esc(r.summary()));
            case running -> "<span class=\"warn\">running</span> since " + ago(r.startedAt(), now);
            default -> "<span class=\"bad\">" + r.outcome() + "</span> " + ago(r.finishedAt(), now)
                    + (r.error() == null ? "" : ": " + esc(r.error()));
        };
    }

    private static String time(Instant t) {
        return t == null ? "—" : TIME.format(t);
    }

    private static String ago(Instant t, Instant now) {
        if (t == null) {
            return "";
        }
        Duration d = Duration.between(t, now);
        return d.isNegative() ? "just now" : span(d) + " ago";
    }

    public static String span(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 172800) {
            return s / 3600 + "h " + (s % 3600) / 60 + "m";
        }
        return s / 86400 + "d";
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    static String esc(String s) {
        return TimelineSvg.esc(s);
    }
}
