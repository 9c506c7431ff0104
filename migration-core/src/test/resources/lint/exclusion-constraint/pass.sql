CREATE TABLE naps (
    baby_id bigint NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT naps_no_overlap EXCLUDE USING gist (baby_id WITH =, during WITH &&)
);
