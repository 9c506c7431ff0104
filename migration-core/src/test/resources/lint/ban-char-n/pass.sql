CREATE TABLE photos (id bigint PRIMARY KEY, country text, format character varying);
