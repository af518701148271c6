-- Changing one's email, and pictures for members and groups.

-- A new address waiting for its confirmation link (only the link's SHA-256 kept).
CREATE TABLE email_changes (
    token_hash bytea PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    new_email  text NOT NULL CHECK (new_email = lower(new_email)),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX email_changes_member ON email_changes (member_id, created_at);

-- Avatars as the server re-encoded them (no metadata survives), in two sizes. The
-- digest (SHA-256 of the large image) names them in URLs, so a browser may keep
-- one for a year: a new picture is a new URL. In PostgreSQL, so every instance
-- serves them and the backup holds them.
CREATE TABLE avatars (
    digest     text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
    large      bytea NOT NULL,
    small      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE members ADD COLUMN avatar text REFERENCES avatars (digest) ON DELETE SET NULL;
ALTER TABLE groups ADD COLUMN avatar text REFERENCES avatars (digest) ON DELETE SET NULL;
