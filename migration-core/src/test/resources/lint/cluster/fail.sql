SET LOCAL lock_timeout = '5s';
CLUSTER feeding_logs USING feeding_logs_baby_started_idx;
