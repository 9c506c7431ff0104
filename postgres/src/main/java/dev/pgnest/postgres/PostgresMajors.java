package dev.pgnest.postgres;

/**
 * The PostgreSQL majors pgnest supports: every command is proven on each of them by the
 * integration tests (EveryMajorTest), whose results make docs/reference/postgresql-versions.md.
 */
public final class PostgresMajors {
    public static final int OLDEST = 13;
    public static final int NEWEST = 18;

    private PostgresMajors() {
    }

    /** Whether pgnest is tested on PostgreSQL {@code major}. */
    public static boolean isSupported(int major) {
        return major >= OLDEST && major <= NEWEST;
    }

    /** "13–18", for messages. */
    public static String range() {
        return OLDEST + "–" + NEWEST;
    }
}
