CREATE DOMAIN millilitres AS bigint;
