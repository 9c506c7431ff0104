SET LOCAL lock_timeout = '5s';
ALTER TABLE feedings ADD COLUMN amount_oz numeric;
