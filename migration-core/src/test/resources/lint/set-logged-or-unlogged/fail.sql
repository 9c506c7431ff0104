SET LOCAL lock_timeout = '5s';
ALTER TABLE events SET UNLOGGED;
