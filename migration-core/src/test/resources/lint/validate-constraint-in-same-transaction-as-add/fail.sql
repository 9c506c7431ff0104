-- The scan is short here: the rehearsal showed it.
-- pgnest-lint-disable statements-after-access-exclusive-in-one-transaction
SET LOCAL lock_timeout = '5s';
ALTER TABLE feedings ADD CONSTRAINT feedings_amount_positive CHECK (amount_ml > 0) NOT VALID;
ALTER TABLE feedings VALIDATE CONSTRAINT feedings_amount_positive;
