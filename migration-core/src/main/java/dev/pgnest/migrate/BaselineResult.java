package dev.pgnest.migrate;

/** An existing database adopted at a version: migrations up to it are never run there. */
public record BaselineResult(String target, String version, String description) {
}
