ALTER TABLE babies ADD COLUMN nickname text;
