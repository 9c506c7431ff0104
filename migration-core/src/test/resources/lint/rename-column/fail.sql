SET LOCAL lock_timeout = '5s';
ALTER TABLE babies RENAME COLUMN nick TO nickname;
