package dev.pgnest.serve.status;

/**
 * Reads a target's backups and restorable windows from the repository for the status page.
 * The CLI wires it with the repository catalog and the WAL archive; it is called on each page
 * view, so it should read manifests, not data.
 */
@FunctionalInterface
public interface StatusSource {
    TargetStatus status(String target) throws Exception;
}
