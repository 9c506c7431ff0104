SET lock_timeout = '5s';
VACUUM (FULL, ANALYZE) feeding_logs;
