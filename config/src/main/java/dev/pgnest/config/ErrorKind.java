package dev.pgnest.config;

/**
 * What went wrong, as a closed set: decides the exit status in one place, so commands never
 * pick exit codes themselves.
 */
public enum ErrorKind {
    USAGE(ExitCode.USAGE),
    CONFIG(ExitCode.USAGE),
    DATABASE(ExitCode.FAILURE),
    STORAGE(ExitCode.FAILURE),
    REPOSITORY(ExitCode.FAILURE),
    INTEGRITY(ExitCode.FAILURE),
    MIGRATION(ExitCode.FAILURE),
    TOOL(ExitCode.FAILURE),
    INTERRUPTED(ExitCode.FAILURE),
    INTERNAL(ExitCode.FAILURE);

    private final ExitCode exitCode;

    ErrorKind(ExitCode exitCode) {
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
