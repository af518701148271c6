-- The code of conduct in practice: blocks, who may message whom, message requests,
-- leaving and adding people, reports and the moderators' actions.

-- "Who may message me": everyone, or only members who share a group with me.
-- Anyone else's first message lands in my Requests.
ALTER TABLE members ADD COLUMN message_policy text NOT NULL DEFAULT 'everyone'
    CHECK (message_policy IN ('everyone', 'shared_groups'));

CREATE TABLE blocks (
    blocker_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- A member party is 'active', a pending 'request' (not listed, no notifications),
-- or 'declined' (the member no longer sees the conversation; the sender cannot tell).
ALTER TABLE conversation_parties ADD COLUMN state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'request', 'declined'));

-- 'left' and 'added' are notes in the thread ("Alice left"); an 'added' note's body
-- names who was added. A removed message keeps its text for the moderators' record,
-- but participants only ever receive "removed by a moderator".
ALTER TABLE messages
    ADD COLUMN kind text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'left', 'added')),
    ADD COLUMN removed_at timestamptz,
    ADD COLUMN removed_by bigint REFERENCES members (id);

ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('message', 'read', 'unread', 'removed'));

CREATE TABLE reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (reason IN ('harassment', 'spam', 'other')),
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by bigint REFERENCES members (id),
    outcome     text CHECK (outcome IN ('dismiss', 'remove', 'warn', 'suspend')),
    -- Reporting the same message twice is one report.
    CONSTRAINT reports_once UNIQUE (message_id, reporter_id)
);
CREATE INDEX reports_open ON reports (created_at) WHERE resolved_at IS NULL;

-- Every moderator action, kept: who, what, when, about which report and member.
CREATE TABLE moderation_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    moderator_id bigint NOT NULL REFERENCES members (id),
    action       text NOT NULL CHECK (action IN ('dismiss', 'remove', 'warn', 'suspend')),
    report_id    bigint REFERENCES reports (id) ON DELETE SET NULL,
    message_id   bigint REFERENCES messages (id) ON DELETE SET NULL,
    member_id    bigint REFERENCES members (id),
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_log_recent ON moderation_log (id DESC);

-- A warning is shown to its member until they acknowledge it.
CREATE TABLE member_warnings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id       bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    message_id      bigint REFERENCES messages (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz
);
CREATE INDEX member_warnings_open ON member_warnings (member_id) WHERE acknowledged_at IS NULL;

-- Unread now leaves out pending requests and declined conversations.
CREATE OR REPLACE FUNCTION unread_conversations(viewer bigint)
    RETURNS TABLE (id bigint, last_message_id bigint, last_message_at timestamptz, via_group_id bigint)
    LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (c.id) c.id, c.last_message_id, c.last_message_at, cp.group_id
    FROM conversation_parties cp
    JOIN conversations c ON c.id = cp.conversation_id
    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = viewer
    WHERE ((cp.member_id = viewer AND cp.state = 'active')
           OR cp.group_id IN (SELECT group_id FROM group_memberships
                              WHERE member_id = viewer AND role = 'manager'))
      AND c.last_message_id > coalesce(r.last_read_message_id, 0)
      AND NOT EXISTS (SELECT 1 FROM conversation_mutes m
                      WHERE m.member_id = viewer AND m.conversation_id = c.id)
    ORDER BY c.id, cp.group_id NULLS FIRST
$$;
