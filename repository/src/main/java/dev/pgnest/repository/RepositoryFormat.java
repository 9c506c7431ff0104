package dev.pgnest.repository;

import java.time.Instant;

/**
 * The repository's root file, {@code pgnest-repository.json}. Its {@code format} says how
 * everything below is laid out; a pgnest refuses any format it does not know rather than
 * misread backups.
 */
public record RepositoryFormat(int format, Instant created, String createdBy) {
    /** The format this pgnest reads and writes. */
    public static final int CURRENT = 1;
}
