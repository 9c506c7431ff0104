package dev.pgnest.repository;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of the last {@code pgnest backup verify} of a backup, stored next to its manifest
 * ({@code verify.json}): the catalog shows it, and expiry never removes the newest backup that
 * verified ok.
 *
 * @param time        when verification finished
 * @param ok          every object matched its size and SHA-256 (and, when deep, pg_restore read it)
 * @param deep        whether the content was also checked ({@code pg_restore --list})
 * @param problems    what did not match, one line each
 * @param toolVersion the pgnest that verified
 */
public record Verification(Instant time, boolean ok, boolean deep, List<String> problems, String toolVersion) {
    public Verification {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }
}
