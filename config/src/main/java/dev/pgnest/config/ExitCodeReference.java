package dev.pgnest.config;

/** The exit-code reference (docs/reference/exit-codes.md), generated from {@link ExitCode}. */
public final class ExitCodeReference {
    private ExitCodeReference() {
    }

    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| code | meaning | commands |\n");
        b.append("|---|---|---|\n");
        for (ExitCode code : ExitCode.values()) {
            b.append("| ").append(code.status())
                    .append(" | ").append(code.description().replace("|", "\\|"))
                    .append(" | ").append(code.usedBy().replace("|", "\\|"))
                    .append(" |\n");
        }
        return b.toString();
    }
}
