SET LOCAL lock_timeout = '5s';
ALTER TABLE kids RENAME TO babies;
