SET LOCAL lock_timeout = '5s';
ALTER TABLE feeding_logs ALTER COLUMN duration_minutes TYPE bigint;
