CREATE TABLE photos (id bigserial PRIMARY KEY);
