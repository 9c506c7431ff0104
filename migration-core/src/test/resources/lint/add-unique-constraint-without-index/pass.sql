-- The index was built by the previous migration with CREATE UNIQUE INDEX CONCURRENTLY.
SET LOCAL lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_display_name_key UNIQUE USING INDEX users_display_name_idx;
