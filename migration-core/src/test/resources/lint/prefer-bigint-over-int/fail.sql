CREATE TABLE photos (id integer PRIMARY KEY);
