BEGIN;
CREATE TABLE photos (id bigint PRIMARY KEY);
