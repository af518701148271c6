-- Web push (issue 18): the browsers a member turned notifications on in, and the
-- pushes waiting to go to them.

-- One browser's subscription at its push service (W3C Push API). The endpoint is
-- the push service's address for that browser; `p256dh` and `auth` (base64url)
-- are the browser's keys for the message encryption of RFC 8291.
CREATE TABLE push_subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    endpoint     text NOT NULL UNIQUE CHECK (length(endpoint) BETWEEN 12 AND 1024),
    p256dh       text NOT NULL CHECK (length(p256dh) BETWEEN 80 AND 100),
    auth         text NOT NULL CHECK (length(auth) BETWEEN 16 AND 32),
    -- "Firefox on Linux", as the settings list it.
    device       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_push_at timestamptz
);
CREATE INDEX push_subscriptions_member ON push_subscriptions (member_id);

-- One push of one message to one browser, written in the send's transaction (so
-- no message is missed) and deleted once the push service took it (so none goes
-- twice, but for a worker stopped between the two). Claimed with a lease, as the
-- email outbox is.
CREATE TABLE push_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    member_id       bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    due_at          timestamptz NOT NULL,
    locked_until    timestamptz,
    lock_token      bigint,
    attempts        integer NOT NULL DEFAULT 0,
    UNIQUE (subscription_id, message_id)
);
CREATE INDEX push_outbox_due ON push_outbox (due_at);

-- Pushes on or off (on: a member who turned them on in a browser wants them), and
-- whether a lock screen may show the message's text.
ALTER TABLE notification_settings
    ADD COLUMN push boolean NOT NULL DEFAULT true,
    ADD COLUMN push_shows_text boolean NOT NULL DEFAULT true;
