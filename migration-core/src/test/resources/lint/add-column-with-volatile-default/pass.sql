SET LOCAL lock_timeout = '5s';
-- The default applies to rows inserted from now on; existing rows stay null, nothing is rewritten.
ALTER TABLE babies ADD COLUMN public_id uuid, ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
