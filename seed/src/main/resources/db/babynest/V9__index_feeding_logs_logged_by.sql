-- CONCURRENTLY cannot run inside a transaction; pgnest (through Flyway) detects that and runs
-- this migration outside one. Alone in its file on purpose: a failure leaves at most an
-- INVALID index to drop, never half of a larger change.
CREATE INDEX CONCURRENTLY IF NOT EXISTS feeding_logs_logged_by_idx ON feeding_logs (logged_by);
