CREATE TABLE photos (id bigint PRIMARY KEY, caption varchar(200));
