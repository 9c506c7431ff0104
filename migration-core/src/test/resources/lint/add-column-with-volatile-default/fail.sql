SET LOCAL lock_timeout = '5s';
ALTER TABLE babies ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
