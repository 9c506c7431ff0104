DROP INDEX CONCURRENTLY feedings_baby_id_idx;
