package dev.pgnest.config;

/**
 * Process exit statuses of every pgnest command. Stable: scripts and CI gate on them. Each
 * constant's meaning and the commands that use it are declared here once: {@code pgnest --help}
 * prints them as its footer and docs/reference/exit-codes.md is generated from them
 * ({@link ExitCodeReference}).
 */
public enum ExitCode {
    /** The command did what was asked. */
    OK(0, "success", "every command; for a check: nothing needs attention"),
    /** The operation failed (database, storage, integrity, a child process…). */
    FAILURE(1, "the operation failed (database, storage, integrity, a child process)",
            "every command; `wal fetch`: the archive does not have the file (recovery ends there)"),
    /** The command line or the configuration is wrong; nothing was attempted. */
    USAGE(2, "usage or configuration error; nothing was attempted", "every command"),
    /** A read command found something that needs attention (pending migration, gap, drift). */
    ATTENTION(3, "a check found something that needs attention (e.g. pending migrations)",
            "`migrate status`, `migrate validate`, `migrate lint`, `migrate diff`, `migrate rehearse`, `repo check`, `wal check`,"
                    + " `check` (warnings only), `restore plan`"),
    /**
     * {@code wal fetch} could not tell whether the archive has the file (storage unreachable,
     * damaged object). PostgreSQL takes any status above 125 as fatal and stops recovery; with
     * 1 it would take the file as missing, end recovery early and promote at the wrong point.
     */
    ABORT_RECOVERY(126, "wal fetch could not tell whether the archive has the file (storage unreachable, damaged"
            + " object, incomplete configuration): PostgreSQL stops recovery instead of ending it early",
            "`wal fetch` only");

    private final int status;
    private final String description;
    private final String usedBy;

    ExitCode(int status, String description, String usedBy) {
        this.status = status;
        this.description = description;
        this.usedBy = usedBy;
    }

    public int status() {
        return status;
    }

    /** What the status means, in one line (the {@code --help} footer and the reference). */
    public String description() {
        return description;
    }

    /** Which commands exit with it, in Markdown (the reference). */
    public String usedBy() {
        return usedBy;
    }
}
