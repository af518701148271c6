-- Email verification. An account made by registration starts unverified (the
-- registration sets NULL); every other row, the demo data and accounts made before
-- this migration included, counts as verified.
ALTER TABLE members ADD COLUMN email_verified_at timestamptz DEFAULT now();
UPDATE members SET email_verified_at = created_at;

-- Only the SHA-256 of a link's token is kept; a link works once, for a day.
CREATE TABLE email_verifications (
    token_hash bytea PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_verifications_member ON email_verifications (member_id);

-- Emails about the account itself (a verification link; "someone tried to register
-- with your address"), written in full when they are queued and deleted once sent:
-- a link's token sits here only until its email has gone.
CREATE TABLE account_emails (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address   text NOT NULL,
    to_name      text NOT NULL,
    subject      text NOT NULL,
    text_body    text NOT NULL,
    html_body    text NOT NULL,
    due_at       timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    lock_token   bigint
);
CREATE INDEX account_emails_due ON account_emails (due_at);
