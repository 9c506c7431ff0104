ALTER SCHEMA reporting RENAME TO analytics;
