package dev.pgnest.repository;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The pgnest version recorded in manifests and the format file. */
public final class ToolVersion {
    private static final String VERSION = load();

    private ToolVersion() {
    }

    /** e.g. {@code pgnest 0.1.0-SNAPSHOT}. */
    public static String current() {
        return "pgnest " + VERSION;
    }

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = ToolVersion.class.getResourceAsStream("pgnest-backup.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        String v = p.getProperty("version");
        return v == null || v.startsWith("${") ? "unknown" : v;
    }
}
