-- Backfill (2 of 3): copy old values into the new column. Row locks only; on a large live
-- table run this in batches (WHERE id BETWEEN ...) from a job instead of one statement.
UPDATE feeding_logs
SET amount_ml = round(amount_oz * 29.5735)
WHERE amount_ml IS NULL
  AND amount_oz IS NOT NULL;

-- VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes go on while it scans.
ALTER TABLE feeding_logs VALIDATE CONSTRAINT feeding_logs_amount_ml_check;
