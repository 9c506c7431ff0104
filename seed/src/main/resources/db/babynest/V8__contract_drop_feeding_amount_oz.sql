-- pgnest-lint-disable drop-column
-- Contract (3 of 3): every app version in service reads and writes amount_ml only, so the
-- old column and the sync trigger go. Dropping a column is a catalog change (no rewrite),
-- which is why drop-column is disabled for this file on purpose.
SET LOCAL lock_timeout = '5s';

DROP TRIGGER feeding_logs_sync_amount ON feeding_logs;
DROP FUNCTION feeding_logs_sync_amount();
ALTER TABLE feeding_logs DROP COLUMN amount_oz;
