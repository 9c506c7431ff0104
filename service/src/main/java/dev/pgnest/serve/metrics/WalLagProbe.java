package dev.pgnest.serve.metrics;

import java.util.Optional;

/**
 * Measures a target's WAL archive lag. Empty when the question does not apply (archiving off,
 * a standby). The default asks the server ({@link ArchiverWalLagProbe}); a streaming archiver
 * can supply its own.
 */
@FunctionalInterface
public interface WalLagProbe {
    Optional<WalLag> measure() throws Exception;
}
