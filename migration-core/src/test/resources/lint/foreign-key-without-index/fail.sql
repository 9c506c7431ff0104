CREATE TABLE photos (
    id bigint PRIMARY KEY,
    baby_id bigint NOT NULL REFERENCES babies (id)
);
