CREATE TABLE night_feedings_per_baby (id bigint PRIMARY KEY);
