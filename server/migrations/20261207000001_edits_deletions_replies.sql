-- Members edit their own messages for a while after sending, delete them, and
-- reply to one message in particular.

-- `edited_at`: the last edit ("edited" beside the time); `edit_count` bounds the
-- edits (and so the live events) of one message. `deleted_at`: deleted by
-- its author; the text is erased here and then, the row stays so the thread (and
-- replies quoting it) can say "Message deleted". `reply_to_id`: the message this one
-- answers, always one of the same conversation.
ALTER TABLE messages
    ADD COLUMN edited_at timestamptz,
    ADD COLUMN edit_count smallint NOT NULL DEFAULT 0,
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN reply_to_id bigint REFERENCES messages (id) ON DELETE SET NULL;

-- A report keeps the text as it was reported: a later edit or deletion does not
-- change what the moderators review.
ALTER TABLE reports ADD COLUMN body text NOT NULL DEFAULT '';
UPDATE reports r SET body = m.body FROM messages m WHERE m.id = r.message_id;

ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('message', 'read', 'unread', 'removed', 'edited', 'deleted'));
