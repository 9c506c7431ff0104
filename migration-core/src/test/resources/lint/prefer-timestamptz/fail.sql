CREATE TABLE photos (id bigint PRIMARY KEY, taken_at timestamp(3) NOT NULL);
