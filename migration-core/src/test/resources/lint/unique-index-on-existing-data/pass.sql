CREATE TABLE caregivers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX caregivers_email_uq ON caregivers (email);
