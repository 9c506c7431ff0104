-- events_pkey_idx was built CONCURRENTLY by the previous migration.
SET LOCAL lock_timeout = '5s';
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;
