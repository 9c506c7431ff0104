ALTER TYPE feeding_method ADD VALUE IF NOT EXISTS 'formula' AFTER 'bottle';
