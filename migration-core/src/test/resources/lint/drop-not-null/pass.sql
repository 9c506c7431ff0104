SET LOCAL lock_timeout = '5s';
ALTER TABLE babies ALTER COLUMN birth_date SET DEFAULT now();
