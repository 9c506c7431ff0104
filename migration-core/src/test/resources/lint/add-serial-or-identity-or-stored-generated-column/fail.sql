SET LOCAL lock_timeout = '5s';
ALTER TABLE feedings ADD COLUMN amount_oz numeric GENERATED ALWAYS AS (amount_ml / 29.57) STORED;
