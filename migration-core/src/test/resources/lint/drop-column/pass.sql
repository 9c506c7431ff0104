-- pgnest-lint-disable drop-column
-- Contract step: no app version in service reads nickname any more.
SET LOCAL lock_timeout = '5s';
ALTER TABLE users DROP COLUMN nickname;
