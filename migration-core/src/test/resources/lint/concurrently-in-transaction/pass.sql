CREATE INDEX CONCURRENTLY IF NOT EXISTS feedings_fed_at_idx ON feedings (fed_at);
