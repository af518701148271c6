-- Read receipts: "Seen by Alice" under the last message each participant read.
-- A member may stop sharing when they have read (and then sees nobody's, as in Zulip).
ALTER TABLE members ADD COLUMN share_read_state boolean NOT NULL DEFAULT true;

-- A `seen` event names whose read mark moved: a member (`actor_id`), or a group
-- (`via_group_id`) whose manager read for it; `message_id` is the new mark.
ALTER TABLE live_events ADD COLUMN actor_id bigint;
ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('message', 'read', 'unread', 'removed', 'edited', 'deleted', 'reacted', 'seen'));
