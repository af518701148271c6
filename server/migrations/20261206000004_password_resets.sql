-- Forgotten passwords: a link by email. Only the SHA-256 of its token is kept; a
-- link works once, for an hour; an account gets at most 3 an hour.
CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_member ON password_resets (member_id, created_at);
