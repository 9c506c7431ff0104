SET LOCAL lock_timeout = '5s';
ALTER TABLE feeding_logs ADD CONSTRAINT feeding_logs_baby_fk FOREIGN KEY (baby_id) REFERENCES babies (id);
