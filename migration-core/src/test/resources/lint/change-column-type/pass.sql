SET LOCAL lock_timeout = '5s';
ALTER TABLE feeding_logs ADD COLUMN duration_seconds bigint;
