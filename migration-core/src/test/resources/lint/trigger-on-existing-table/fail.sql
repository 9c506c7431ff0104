SET LOCAL lock_timeout = '5s';
CREATE TRIGGER feedings_touch BEFORE UPDATE ON feedings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
