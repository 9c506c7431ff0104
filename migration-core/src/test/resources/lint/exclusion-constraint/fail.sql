SET LOCAL lock_timeout = '5s';
ALTER TABLE naps ADD CONSTRAINT naps_no_overlap EXCLUDE USING gist (baby_id WITH =, during WITH &&);
