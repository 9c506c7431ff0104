SET LOCAL lock_timeout = '5s';
DROP INDEX IF EXISTS feedings_baby_id_idx;
