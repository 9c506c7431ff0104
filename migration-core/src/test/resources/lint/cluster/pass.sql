ANALYZE feeding_logs;
