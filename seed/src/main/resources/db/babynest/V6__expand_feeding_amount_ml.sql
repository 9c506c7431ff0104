-- Expand (1 of 3): feeding amounts move from ounces to millilitres without downtime.
-- The new column is nullable and has no default, so adding it is a catalog-only change;
-- the short lock_timeout makes the brief ACCESS EXCLUSIVE lock give up instead of queueing
-- every other query behind it.
SET LOCAL lock_timeout = '5s';

ALTER TABLE feeding_logs ADD COLUMN amount_ml integer;
-- NOT VALID: the check applies to new rows now; old rows are validated after the backfill.
ALTER TABLE feeding_logs ADD CONSTRAINT feeding_logs_amount_ml_check CHECK (amount_ml >= 0) NOT VALID;

-- While app versions that still write amount_oz are running, keep both columns in step.
CREATE FUNCTION feeding_logs_sync_amount() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF NEW.amount_ml IS NULL AND NEW.amount_oz IS NOT NULL THEN
        NEW.amount_ml := round(NEW.amount_oz * 29.5735);
    ELSIF NEW.amount_oz IS NULL AND NEW.amount_ml IS NOT NULL THEN
        NEW.amount_oz := round(NEW.amount_ml / 29.5735, 1);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER feeding_logs_sync_amount
    BEFORE INSERT OR UPDATE ON feeding_logs
    FOR EACH ROW EXECUTE FUNCTION feeding_logs_sync_amount();
