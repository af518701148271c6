-- Live updates, notification settings and the email outbox.

-- Each member's live events are numbered 1, 2, 3… with no gaps. The number is taken
-- under this row's lock, held until the sending transaction commits, so numbers
-- commit in order: a client that saw event n and asks for "after n" misses nothing
-- and gets nothing twice, whichever server instance it reconnects to.
CREATE TABLE live_streams (
    member_id bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    seq       bigint NOT NULL
);

CREATE TABLE live_events (
    member_id       bigint NOT NULL,
    seq             bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('message', 'read', 'unread')),
    conversation_id bigint NOT NULL,
    message_id      bigint,
    -- How the recipient saw a message event when it was sent (see app::live::flags),
    -- and the group they received it for, so a replay shows exactly the same.
    flags           smallint NOT NULL DEFAULT 0,
    via_group_id    bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, seq)
);
-- Housekeeping trims old events; a client further behind than that resyncs.
CREATE INDEX live_events_age ON live_events (created_at);

CREATE TABLE notification_settings (
    member_id bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    in_app    boolean NOT NULL DEFAULT true,
    email     text NOT NULL DEFAULT 'batched' CHECK (email IN ('off', 'each', 'batched'))
);

CREATE TABLE conversation_mutes (
    member_id       bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, conversation_id)
);

-- For managers: whether the group's conversations notify them.
ALTER TABLE group_memberships ADD COLUMN notify boolean NOT NULL DEFAULT true;

-- Emails still to send, written in the same transaction as the message (a
-- transactional outbox). 'each' rows cover one message; a 'batched' row covers
-- first_message_id..last_message_id of one conversation, and later messages extend
-- it until it is sent. Rows are deleted once sent.
CREATE TABLE email_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id        bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id  bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    mode             text NOT NULL CHECK (mode IN ('each', 'batched')),
    first_message_id bigint NOT NULL,
    last_message_id  bigint NOT NULL,
    due_at           timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    -- A worker's claim: nobody else takes the row until this time passes.
    locked_until     timestamptz,
    lock_token       bigint
);
CREATE UNIQUE INDEX email_outbox_batch ON email_outbox (member_id, conversation_id) WHERE mode = 'batched';
CREATE INDEX email_outbox_due ON email_outbox (due_at);

-- The conversations a member has unread messages in: their own and those of the
-- groups they currently manage, muted ones left out. The envelope, the live
-- endpoint and the notifications menu all count with this one rule.
CREATE FUNCTION unread_conversations(viewer bigint)
    RETURNS TABLE (id bigint, last_message_id bigint, last_message_at timestamptz, via_group_id bigint)
    LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (c.id) c.id, c.last_message_id, c.last_message_at, cp.group_id
    FROM conversation_parties cp
    JOIN conversations c ON c.id = cp.conversation_id
    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = viewer
    WHERE (cp.member_id = viewer
           OR cp.group_id IN (SELECT group_id FROM group_memberships
                              WHERE member_id = viewer AND role = 'manager'))
      AND c.last_message_id > coalesce(r.last_read_message_id, 0)
      AND NOT EXISTS (SELECT 1 FROM conversation_mutes m
                      WHERE m.member_id = viewer AND m.conversation_id = c.id)
    ORDER BY c.id, cp.group_id NULLS FIRST
$$;
