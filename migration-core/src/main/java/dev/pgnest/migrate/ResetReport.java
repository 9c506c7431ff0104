package dev.pgnest.migrate;

import java.util.List;

/** A development database emptied and migrated again from scratch. */
public record ResetReport(String target, List<String> schemasCleaned, DeployReport deploy) {

    public ResetReport {
        schemasCleaned = List.copyOf(schemasCleaned);
    }
}
