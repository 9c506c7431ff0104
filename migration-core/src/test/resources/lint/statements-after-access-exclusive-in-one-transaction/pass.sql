SET LOCAL lock_timeout = '5s';
UPDATE feedings SET amount_ml = 0 WHERE amount_ml IS NULL;
ALTER TABLE babies ADD COLUMN nickname text;
