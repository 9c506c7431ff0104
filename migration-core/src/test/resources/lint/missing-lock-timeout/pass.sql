SET lock_timeout TO '3s';
ALTER TABLE babies ADD COLUMN nickname text;
