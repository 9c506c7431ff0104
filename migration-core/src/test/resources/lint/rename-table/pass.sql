CREATE TABLE babies (id bigint PRIMARY KEY, name text NOT NULL);
CREATE VIEW kids AS SELECT id, name FROM babies;
