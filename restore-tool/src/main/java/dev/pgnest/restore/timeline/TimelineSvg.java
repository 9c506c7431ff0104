package dev.pgnest.restore.timeline;

import dev.pgnest.repository.BackupKind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link TimelinePicture} as one self-contained SVG document: no script, no external
 * font or stylesheet (the status page must work on an isolated host), colours for light and dark
 * schemes inside it, and a {@code <title>} on every mark (hover names, screen readers).
 */
public final class TimelineSvg {
    static final int WIDTH = 960;
    static final int LEFT = 110;
    static final int RIGHT = 30;
    static final int ROW = 26;
    /** About how wide a character of a 12px label is, to keep labels inside the picture. */
    static final int LABEL_CHAR = 7;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MMM d", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String STYLE = ".fg{fill:#222}.axis{stroke:#999}.band{fill:#2e8b57}.gap{fill:#d32f2f}"
            + ".lane{fill:#eee}.full{fill:#1565c0}.incremental{fill:#64b5f6}.logical{fill:#6a1b9a}"
            + ".proven{stroke:#2e7d32;stroke-width:3}.failed{stroke:#d32f2f;stroke-width:3}.chosen{stroke:#f9a825;stroke-width:4}"
            + ".passed{fill:#2e7d32}.drill.failed,.verification.failed{fill:#d32f2f}.verification{fill:#00838f}"
            + ".restore-point line{stroke:#ef6c00;stroke-dasharray:4 3}.rp,.restore-point polygon{fill:#ef6c00}.switch{stroke:#555;stroke-width:2}"
            + ".now line{stroke:#222;stroke-width:2}text{font:12px sans-serif}"
            + "@media (prefers-color-scheme:dark){.fg{fill:#ddd}.lane{fill:#333}.now line{stroke:#ddd}.switch{stroke:#bbb}"
            + ".band{fill:#4caf50}.gap{fill:#ff5252}.full{fill:#64b5f6}.logical{fill:#ce93d8}}";

    private TimelineSvg() {
    }

    public static String render(TimelinePicture p) {
        int lanes = Math.max(1, p.timelines().size());
        int backupsY = 30;
        int lanesY = backupsY + ROW + 6;
        int eventsY = lanesY + lanes * ROW + 6;
        int axisY = eventsY + ROW + 10;
        int height = axisY + 24;
        String id = "tl-" + Integer.toHexString((p.target() + p.from() + p.to()).hashCode());
        StringBuilder s = new StringBuilder(4096);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"pgnest-timeline\" role=\"img\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" aria-labelledby=\"").append(id).append("-t ").append(id).append("-d\">")
                .append("<title id=\"").append(id).append("-t\">Restorable window of target ").append(esc(p.target()))
                .append(", ").append(TIME.format(p.from())).append(" to ").append(TIME.format(p.to())).append("</title>")
                .append("<desc id=\"").append(id).append("-d\">").append(esc(describe(p))).append("</desc>")
                .append("<style>").append(STYLE).append("</style>");

        text(s, 4, backupsY + 16, "backups", null);
        for (TimelinePicture.Backup b : p.backups()) {
            if (outside(p, b.at())) {
                continue;
            }
            double x = x(p, b.at());
            String cls = "backup " + (b.kind() == BackupKind.LOGICAL ? "logical" : b.incremental() ? "incremental" : "full")
                    + (b.failed() ? " failed" : b.proven() ? " proven" : "") + (b.id().equals(p.chosenBackup()) ? " chosen" : "");
            s.append("<g class=\"").append(cls).append("\" data-id=\"").append(esc(b.id())).append("\"><title>")
                    .append(esc(b.name())).append("</title>");
            if (b.kind() == BackupKind.LOGICAL) {
                s.append("<circle cx=\"").append(f(x)).append("\" cy=\"")
                        .append(backupsY + 12).append("\" r=\"7\"/>");
            } else {
                // physical: a square; an incremental one half as tall, beside its full one
                int h = b.incremental() ? 8 : 14;
                s.append("<rect x=\"").append(f(x - 6)).append("\" y=\"")
                        .append(backupsY + 19 - h).append("\" width=\"12\" height=\"").append(h).append("\"/>");
            }
            s.append("</g>");
        }

        int row = 0;
        for (TimelinePicture.Lane lane : p.timelines()) {
            int y = lanesY + row++ * ROW;
            text(s, 4, y + 15, "timeline " + lane.timeline(), null);
            s.append("<rect class=\"lane\" x=\"").append(LEFT).append("\" y=\"").append(y + 4).append("\" width=\"")
                    .append(WIDTH - LEFT - RIGHT).append("\" height=\"14\"/>");
            for (TimelinePicture.Span c : lane.covered()) {
                span(s, p, c, "band", y + 4, 14);
            }
            for (TimelinePicture.Span g : lane.gaps()) {
                span(s, p, g, "gap", y + 1, 20);
            }
        }
        if (p.timelines().isEmpty()) {
            text(s, LEFT + 4, lanesY + 15, "no WAL archived: only the moments of the backups above restore", null);
        }
        for (TimelinePicture.Mark m : p.switches()) {
            if (!outside(p, m.at())) {
                double x = x(p, m.at());
                s.append("<line class=\"switch\" x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"")
                        .append(lanesY).append("\" y2=\"").append(eventsY).append("\"><title>").append(esc(m.name()))
                        .append("</title></line>");
            }
        }

        // "now" first: the marks of the last minutes (a deploy's restore point, a drill) are drawn over it
        if (!outside(p, p.now())) {
            double x = x(p, p.now());
            s.append("<g class=\"now\"><title>now, ").append(TIME.format(p.now()))
                    .append(p.nowNote() == null ? "" : ": " + esc(p.nowNote())).append("</title><line x1=\"")
                    .append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"").append(backupsY - 6).append("\" y2=\"")
                    .append(axisY).append("\"/>");
            text(s, Math.min(x, WIDTH - RIGHT) - 4, backupsY - 10, "now" + (p.nowNote() == null ? "" : " · " + p.nowNote()), "now-label");
            s.append("</g>");
        }

        text(s, 4, eventsY + 16, "checks", null);
        for (TimelinePicture.Mark d : p.drills()) {
            if (!outside(p, d.at())) {
                double x = x(p, d.at());
                s.append("<polygon class=\"drill ").append(d.ok() ? "passed" : "failed").append("\" points=\"")
                        .append(f(x)).append(',').append(eventsY + 4).append(' ').append(f(x - 7)).append(',').append(eventsY + 18)
                        .append(' ').append(f(x + 7)).append(',').append(eventsY + 18).append("\"><title>").append(esc(d.name()))
                        .append("</title></polygon>");
            }
        }
        for (TimelinePicture.Mark v : p.verifications()) {
            if (!outside(p, v.at())) {
                s.append("<rect class=\"verification ").append(v.ok() ? "ok" : "failed").append("\" x=\"")
                        .append(f(x(p, v.at()) - 4)).append("\" y=\"").append(eventsY + 7).append("\" width=\"8\" height=\"8\"><title>")
                        .append(esc(v.name())).append("</title></rect>");
            }
        }
        Map<String, Double> labelled = new HashMap<>();
        for (TimelinePicture.Mark r : p.restorePoints()) {
            if (!outside(p, r.at())) {
                double x = x(p, r.at());
                // a restore point and a backup before the same migration (pre-migration.snapshot=both)
                // sit side by side: one label says it for both
                Double near = r.label() == null ? null : labelled.get(r.label());
                String label = near != null && Math.abs(near - x) < LABEL_CHAR * r.label().length() ? null : r.label();
                if (label != null) {
                    labelled.put(label, x);
                }
                s.append("<g class=\"restore-point\"><title>").append(esc(r.name())).append("</title><line x1=\"")
                        .append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"").append(lanesY).append("\" y2=\"")
                        .append(eventsY + ROW).append("\"/>");
                // a diamond on top: a point made moments ago shares its x with the line of "now"
                s.append("<polygon points=\"").append(f(x)).append(',').append(lanesY - 9).append(' ').append(f(x + 5)).append(',')
                        .append(lanesY - 4).append(' ').append(f(x)).append(',').append(lanesY + 1).append(' ').append(f(x - 5))
                        .append(',').append(lanesY - 4).append("\"/>");
                if (label != null && x + 3 + LABEL_CHAR * label.length() > WIDTH) {
                    // a point made moments ago sits at "now": its label goes to the left, not off the picture
                    s.append("<text class=\"fg rp\" text-anchor=\"end\" x=\"").append(f(x - 3)).append("\" y=\"")
                            .append(eventsY + ROW - 2).append("\">").append(esc(label)).append("</text>");
                } else {
                    text(s, x + 3, eventsY + ROW - 2, label, "rp");
                }
                s.append("</g>");
            }
        }

        s.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                .append(axisY).append("\" y2=\"").append(axisY).append("\"/>");
        long days = Math.max(1, Duration.between(p.from(), p.to()).toDays());
        long step = Math.max(1, days / 10);
        for (Instant t = p.from().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS); t.isBefore(p.to());
             t = t.plus(step, ChronoUnit.DAYS)) {
            double x = x(p, t);
            s.append("<line class=\"axis\" x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"")
                    .append(axisY).append("\" y2=\"").append(axisY + 4).append("\"/>");
            text(s, x - 14, axisY + 16, DAY.format(t), "tick");
        }
        return s.append("</svg>").toString();
    }

    /** The picture in words, for screen readers and for anyone who cannot see colours. */
    static String describe(TimelinePicture p) {
        StringBuilder d = new StringBuilder();
        for (TimelinePicture.Lane lane : p.timelines()) {
            lane.covered().forEach(c -> d.append(c.name()).append(". "));
            lane.gaps().forEach(g -> d.append(g.name()).append(". "));
        }
        if (p.timelines().isEmpty()) {
            d.append("No WAL archived. ");
        }
        p.switches().forEach(m -> d.append(m.name()).append(". "));
        long proven = p.backups().stream().filter(TimelinePicture.Backup::proven).count();
        long failed = p.backups().stream().filter(TimelinePicture.Backup::failed).count();
        d.append(p.backups().size()).append(" backups (").append(proven).append(" proven, ").append(failed).append(" damaged). ");
        p.drills().stream().filter(m -> !m.ok()).forEach(m -> d.append(m.name()).append(". "));
        p.restorePoints().forEach(m -> d.append(m.name()).append(". "));
        if (p.nowNote() != null) {
            d.append("Now: ").append(p.nowNote()).append('.');
        }
        return d.toString().trim();
    }

    private static void span(StringBuilder s, TimelinePicture p, TimelinePicture.Span span, String cls, int y, int h) {
        if (span.to().isBefore(p.from()) || span.from().isAfter(p.to())) {
            return;
        }
        double x1 = x(p, span.from());
        // a gap of a few seconds is still a gap: never narrower than visible
        double w = Math.max(cls.equals("gap") ? 4 : 1, x(p, span.to()) - x1);
        s.append("<rect class=\"").append(cls).append("\" x=\"").append(f(x1)).append("\" y=\"").append(y)
                .append("\" width=\"").append(f(w)).append("\" height=\"").append(h).append("\"><title>")
                .append(esc(span.name())).append("</title></rect>");
    }

    private static void text(StringBuilder s, double x, int y, String text, String cls) {
        if (text == null) {
            return;
        }
        s.append("<text class=\"fg").append(cls == null ? "" : " " + cls).append("\" x=\"").append(f(x)).append("\" y=\"")
                .append(y).append("\">").append(esc(text)).append("</text>");
    }

    private static boolean outside(TimelinePicture p, Instant t) {
        return t == null || t.isBefore(p.from()) || t.isAfter(p.to());
    }

    /** Where {@code t} is drawn, clamped to the plot. */
    static double x(TimelinePicture p, Instant t) {
        double range = Duration.between(p.from(), p.to()).toMillis();
        double at = Duration.between(p.from(), t).toMillis();
        return LEFT + Math.max(0, Math.min(1, at / range)) * (WIDTH - LEFT - RIGHT);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Text for XML and HTML content and attribute values; null is empty. */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return b.toString();
    }
}
