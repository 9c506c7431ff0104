CREATE INDEX sleep_logs_location_idx ON sleep_logs (location);
