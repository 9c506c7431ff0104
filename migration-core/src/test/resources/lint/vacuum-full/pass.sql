VACUUM (ANALYZE) feeding_logs;
