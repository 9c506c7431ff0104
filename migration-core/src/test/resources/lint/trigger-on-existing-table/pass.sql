CREATE TABLE photos (id bigint PRIMARY KEY, updated_at timestamptz);
CREATE TRIGGER photos_touch BEFORE UPDATE ON photos FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
