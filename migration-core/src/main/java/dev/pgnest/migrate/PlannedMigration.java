package dev.pgnest.migrate;

/**
 * A pending migration as deploy would run it.
 *
 * @param transactional false when it holds statements PostgreSQL runs only outside a
 *                      transaction (CREATE INDEX CONCURRENTLY, …): deploy runs it without one
 */
public record PlannedMigration(String version, String description, String script, boolean transactional, String sql) {
}
