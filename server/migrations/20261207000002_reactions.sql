-- Reactions: a small fixed set of emoji (app::domain::conversation::REACTIONS) that
-- members put on messages, each at most once per emoji. A manager answering for a
-- group reacts for the group, as they write for it.
CREATE TABLE message_reactions (
    message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji       text NOT NULL,
    -- The member who reacted, kept even when they reacted for a group.
    member_id   bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    as_group_id bigint REFERENCES groups (id) ON DELETE CASCADE,
    -- Who the reaction is from: `m<member>` or `g<group>` (domain::conversation::Party::key_part).
    party_key   text NOT NULL GENERATED ALWAYS AS
                (CASE WHEN as_group_id IS NULL THEN 'm' || member_id ELSE 'g' || as_group_id END) STORED,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, party_key, emoji)
);

-- Counters of frequent small actions per member and minute (reactions), so their
-- limit holds across every instance; housekeeping drops past minutes.
CREATE TABLE action_counts (
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    action    text NOT NULL,
    minute    timestamptz NOT NULL,
    n         integer NOT NULL,
    PRIMARY KEY (member_id, action, minute)
);

ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('message', 'read', 'unread', 'removed', 'edited', 'deleted', 'reacted'));
