package dev.pgnest.storage;

import java.util.regex.Pattern;

/** Key syntax shared by every driver, so a key valid on S3 is valid on disk and vice versa. */
public final class ObjectKeys {
    // Printable ASCII minus characters that are unsafe in file names or need S3 URL escaping.
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._+=@,:~-]+");

    private ObjectKeys() {
    }

    /**
     * Returns {@code key} if it is a valid object key: relative, {@code /}-separated, segments of
     * {@code [A-Za-z0-9._+=@,:~-]} that are neither {@code .} nor {@code ..} nor empty.
     *
     * @throws IllegalArgumentException otherwise (a programming error, not an operator one)
     */
    public static String check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty object key");
        }
        for (String segment : key.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid object key '" + key + "'");
            }
        }
        return key;
    }

    /** Returns {@code prefix} if it is {@code ""} or a key prefix (anything a key could start with). */
    public static String checkPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("null prefix");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String[] segments = trimmed.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1 && !prefix.endsWith("/");
            // the last, partial segment of a plain prefix may be anything a segment may start with
            if (last ? !s.isEmpty() && !SEGMENT.matcher(s).matches() : !SEGMENT.matcher(s).matches()
                    || s.equals(".") || s.equals("..")) {
                throw new IllegalArgumentException("invalid key prefix '" + prefix + "'");
            }
        }
        return prefix;
    }

    /** Returns {@code prefix} if it is {@code ""} or a valid directory-like prefix ending in {@code /}. */
    public static String checkDirectory(String prefix) {
        if (prefix == null || (!prefix.isEmpty() && !prefix.endsWith("/"))) {
            throw new IllegalArgumentException("prefix must be empty or end with '/': '" + prefix + "'");
        }
        if (!prefix.isEmpty()) {
            check(prefix.substring(0, prefix.length() - 1));
        }
        return prefix;
    }
}
