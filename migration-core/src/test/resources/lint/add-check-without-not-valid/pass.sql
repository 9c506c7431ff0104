SET LOCAL lock_timeout = '5s';
ALTER TABLE growth_logs ADD CONSTRAINT growth_logs_weight_check CHECK (weight_grams < 30000) NOT VALID;
