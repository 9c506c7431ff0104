CREATE TABLE caregivers (
    baby_id     bigint         NOT NULL REFERENCES babies (id) ON DELETE CASCADE,
    user_id     bigint         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        caregiver_role NOT NULL,
    invited_at  timestamptz    NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    PRIMARY KEY (baby_id, user_id)
);

CREATE INDEX caregivers_user_id_idx ON caregivers (user_id);
