-- Second step: the NOT VALID check was added by an earlier migration; a later one drops it.
SET LOCAL lock_timeout = '5s';
ALTER TABLE babies VALIDATE CONSTRAINT babies_birth_date_not_null;
ALTER TABLE babies ALTER COLUMN birth_date SET NOT NULL;
