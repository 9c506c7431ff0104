CREATE TABLE photos (id bigint PRIMARY KEY, caption text CHECK (char_length(caption) <= 200));
