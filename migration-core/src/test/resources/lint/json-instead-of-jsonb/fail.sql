SET LOCAL lock_timeout = '5s';
ALTER TABLE babies ADD COLUMN settings json;
