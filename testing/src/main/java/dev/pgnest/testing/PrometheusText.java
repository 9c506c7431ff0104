package dev.pgnest.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples out of a Prometheus text exposition, as a scraper would. */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** The value of the sample {@code name{labels}} (labels as printed, e.g. {@code kind="logical",target="web"}); NaN when absent. */
    public static double value(String text, String name, String labels) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{" + Pattern.quote(labels) + "\\}")
                + " (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
