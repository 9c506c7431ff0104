-- The NOT VALID constraint was added by the previous migration.
ALTER TABLE feedings VALIDATE CONSTRAINT feedings_amount_positive;
