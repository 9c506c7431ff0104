package dev.pgnest.backup.verify;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of verifying one backup.
 *
 * @param bytesRead stored bytes downloaded
 * @param problems  one line per mismatch, naming the object; empty when ok
 */
public record VerifyResult(String target, String id, boolean ok, boolean deep, long bytesRead, Duration took,
                           List<String> problems) {
    public VerifyResult {
        problems = List.copyOf(problems);
    }
}
