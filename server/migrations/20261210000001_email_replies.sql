-- Replies by email: the key reply addresses are signed with (one per portal, shared
-- by every instance), a per-member generation that revokes every earlier address
-- at once, and the emails received, kept a month so a redelivered one (same
-- Message-ID) is recognised and never posts or refuses twice.
CREATE TABLE site_secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL CHECK (octet_length(value) >= 32)
);

-- 32 bytes from PostgreSQL's strong random source (gen_random_uuid, built in
-- since PostgreSQL 13; two of them, version digits and dashes dropped: 240 random bits).
INSERT INTO site_secrets (name, value)
VALUES ('reply_addresses',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

ALTER TABLE members ADD COLUMN reply_generation integer NOT NULL DEFAULT 0;

CREATE TABLE email_replies (
    -- SHA-256 of the Message-ID and the conversation, hex.
    email_key text PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    outcome text NOT NULL CHECK (outcome IN ('posted', 'refused')),
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_replies_by_member ON email_replies (member_id, received_at);
