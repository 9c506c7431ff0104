package dev.pgnest.serve.status;

import dev.pgnest.restore.timeline.TimelinePicture;
import java.time.Instant;

/**
 * Reads a target's backups and restorable windows from the repository for the status page.
 * The CLI wires it with the repository catalog and the WAL archive; it is called on each page
 * view, so it should read manifests, not data.
 */
@FunctionalInterface
public interface StatusSource {
    TargetStatus status(String target) throws Exception;

    /** The restorable-window picture of {@code from..to}; null when this source cannot draw one. */
    default TimelinePicture timeline(String target, Instant from, Instant to) throws Exception {
        return null;
    }
}
