CREATE INDEX CONCURRENTLY IF NOT EXISTS feedings_fed_at_idx ON feedings (fed_at);
UPDATE feedings SET amount_ml = 0 WHERE amount_ml IS NULL;
