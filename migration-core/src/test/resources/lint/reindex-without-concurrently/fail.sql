REINDEX INDEX feedings_baby_id_idx;
