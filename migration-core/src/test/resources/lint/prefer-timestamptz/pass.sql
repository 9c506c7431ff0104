CREATE TABLE photos (id bigint PRIMARY KEY, taken_at timestamp(3) with time zone NOT NULL, shot_at timestamptz);
