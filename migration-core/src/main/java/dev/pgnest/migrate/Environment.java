package dev.pgnest.migrate;

/** How careful pgnest is with a target. */
public enum Environment {
    /** A developer's database: {@code migrate reset} may drop everything (with --force). */
    DEVELOPMENT,
    /** Neither disposable nor guarded: the default. */
    STANDARD,
    /** Production-like: deploy takes a pre-migration snapshot before it applies anything. */
    PROTECTED
}
