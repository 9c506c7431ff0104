SET LOCAL lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_display_name_key UNIQUE (display_name);
