package dev.pgnest.config;

/**
 * Process exit statuses of every pgnest command. Stable: scripts and CI gate on them, and
 * README documents them.
 */
public enum ExitCode {
    /** The command did what was asked. */
    OK(0),
    /** The operation failed (database, storage, integrity, a child process…). */
    FAILURE(1),
    /** The command line or the configuration is wrong; nothing was attempted. */
    USAGE(2),
    /** A read command found something that needs attention (pending migration, gap, drift). */
    ATTENTION(3),
    /**
     * {@code wal fetch} could not tell whether the archive has the file (storage unreachable,
     * damaged object). PostgreSQL takes any status above 125 as fatal and stops recovery; with
     * 1 it would take the file as missing, end recovery early and promote at the wrong point.
     */
    ABORT_RECOVERY(126);

    private final int status;

    ExitCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
