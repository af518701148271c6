-- Sessions a member can see and end: an id to name one by (never the token's
-- hash), when it was last used (the expiry slides with use), the longest it may
-- live whatever the use, and the browser it was started from.
ALTER TABLE sessions
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN absolute_expires_at timestamptz NOT NULL DEFAULT now() + interval '90 days',
    ADD COLUMN user_agent text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD CONSTRAINT sessions_id_key UNIQUE (id);
