package dev.pgnest.config;

/**
 * An expected failure an operator can act on: what is wrong, and a hint that says the fix.
 * The CLI prints {@link #getMessage()} as one line (no stack trace unless --debug) and exits
 * with the kind's exit code. Never put a secret in the problem or the hint.
 */
public class PgnestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final String problem;
    private final String hint;

    public PgnestException(ErrorKind kind, String problem, String hint) {
        this(kind, problem, hint, null);
    }

    public PgnestException(ErrorKind kind, String problem, String hint, Throwable cause) {
        super(hint == null || hint.isBlank() ? problem : problem + ": " + hint, cause);
        this.kind = kind;
        this.problem = problem;
        this.hint = hint;
    }

    public ErrorKind kind() {
        return kind;
    }

    public String problem() {
        return problem;
    }

    public String hint() {
        return hint;
    }

    public ExitCode exitCode() {
        return kind.exitCode();
    }
}
