CREATE TABLE photos (
    id bigint PRIMARY KEY,
    baby_id bigint NOT NULL REFERENCES babies (id)
);
CREATE INDEX photos_baby_id_idx ON photos (baby_id);
