CREATE DOMAIN millilitres AS integer CHECK (VALUE >= 0);
