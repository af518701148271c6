-- Conversations between members and groups.

CREATE TABLE conversations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The sorted list of parties ("g12,m3,m40"): one conversation per set of people,
    -- as Slack and Mattermost do for direct and group messages.
    party_key       text NOT NULL CONSTRAINT conversations_party_key UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_message_id bigint NOT NULL DEFAULT 0,
    last_message_at timestamptz NOT NULL DEFAULT now()
);

-- A party is a member or a group (then its current managers act for it).
CREATE TABLE conversation_parties (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    member_id       bigint REFERENCES members (id) ON DELETE CASCADE,
    group_id        bigint REFERENCES groups (id) ON DELETE CASCADE,
    CHECK ((member_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX conversation_parties_member ON conversation_parties (member_id, conversation_id) WHERE member_id IS NOT NULL;
CREATE UNIQUE INDEX conversation_parties_group ON conversation_parties (group_id, conversation_id) WHERE group_id IS NOT NULL;
CREATE INDEX conversation_parties_conversation ON conversation_parties (conversation_id);

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The person who wrote it, always; recorded for moderation even when sent as a group.
    author_id       bigint NOT NULL REFERENCES members (id),
    -- Set when the message was sent as a group: recipients see the group as the author.
    as_group_id     bigint REFERENCES groups (id),
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Chosen by the client per message: a retry with the same key is the same message.
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 64),
    CONSTRAINT messages_idempotency UNIQUE (author_id, idempotency_key)
);
CREATE INDEX messages_thread ON messages (conversation_id, id DESC);

-- How far each member has read each conversation.
CREATE TABLE conversation_reads (
    conversation_id      bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    member_id            bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    last_read_message_id bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, conversation_id)
);

CREATE INDEX conversations_recent ON conversations (last_message_at DESC, id DESC);
CREATE INDEX group_memberships_managers ON group_memberships (member_id, group_id) WHERE role = 'manager';
