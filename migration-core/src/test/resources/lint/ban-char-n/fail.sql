CREATE TABLE photos (id bigint PRIMARY KEY, country char(2));
