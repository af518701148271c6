-- The unread count and the inbox without reading every conversation of the
-- member (issue 19).
--
-- `unread_conversations` compared each conversation's last message with the
-- member's read mark, one conversation at a time, and the inbox sorted all of the
-- member's conversations to show the newest page: for a member in 1,000
-- conversations most of PostgreSQL's work for every page. Now every read mark
-- carries the conversation's last message as of the member's view
-- (`latest_message_id`, `latest_message_at`), kept by the triggers below: the
-- marks behind are indexed for the count, and the marks in the member's order for
-- the inbox.
--
-- What the triggers keep: every member who may see a conversation (the view
-- `conversation_viewers`) has a `conversation_reads` row carrying the
-- conversation's last message. A new row has read nothing (`last_read_message_id`
-- 0, as a missing row meant before). The count still checks the whole rule (who may
-- see it, requests, mutes, the conversation's own last message) and the inbox its
-- own (an active party), so a row left behind by someone who no longer sees the
-- conversation is read past, never shown.
--
-- Races: a conversation's new last message is copied by the trigger of the update
-- that sets it, under that row's lock, so copies follow in commit order; a new
-- viewer's row takes the last message it sees and only ever moves it forward (a
-- send committing meanwhile has copied its own); marking read changes only
-- `last_read_message_id`, so whichever of a send and a read commits second re-reads
-- the row the other wrote, and neither undoes the other.

ALTER TABLE conversation_reads
    ADD COLUMN latest_message_id bigint NOT NULL DEFAULT 0,
    ADD COLUMN latest_message_at timestamptz NOT NULL DEFAULT '-infinity';

-- Every member who may see `conversation` gets its last message, in member order
-- (concurrent sends lock rows in one order): `exact` from the update that set it,
-- otherwise only forward. In PL/pgSQL, whose plans are kept per connection: a SQL
-- function is planned again at every call.
CREATE FUNCTION reads_follow_conversation(conversation bigint, exact boolean) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    -- The conversation's row first, as sends take it: read marks of a conversation
    -- are locked only under it (no two transactions wait for each other), and a
    -- send in progress is waited for, so its last message is the one copied.
    PERFORM 1 FROM conversations WHERE id = conversation FOR NO KEY UPDATE;
    INSERT INTO conversation_reads AS r (conversation_id, member_id, last_read_message_id,
                                         latest_message_id, latest_message_at)
    SELECT DISTINCT v.conversation_id, v.member_id, 0::bigint, c.last_message_id, c.last_message_at
    FROM conversation_viewers v
    JOIN conversations c ON c.id = v.conversation_id
    WHERE v.conversation_id = conversation
    ORDER BY v.member_id
    ON CONFLICT (member_id, conversation_id) DO UPDATE
    SET latest_message_id = EXCLUDED.latest_message_id,
        latest_message_at = EXCLUDED.latest_message_at
    WHERE CASE WHEN exact
               THEN (r.latest_message_id, r.latest_message_at)
                    IS DISTINCT FROM (EXCLUDED.latest_message_id, EXCLUDED.latest_message_at)
               ELSE r.latest_message_id < EXCLUDED.latest_message_id END;
END $$;

-- A new last message, or an earlier one again when the last was deleted.
CREATE FUNCTION reads_follow_last_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reads_follow_conversation(NEW.id, true);
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_last_message
    AFTER UPDATE OF last_message_id, last_message_at ON conversations
    FOR EACH ROW WHEN ((NEW.last_message_id, NEW.last_message_at)
                       IS DISTINCT FROM (OLD.last_message_id, OLD.last_message_at))
    EXECUTE FUNCTION reads_follow_last_message();

-- A party added, a request accepted, a declined party back: new viewers.
CREATE FUNCTION reads_follow_party() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reads_follow_conversation(NEW.conversation_id, false);
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_party
    AFTER INSERT OR UPDATE OF state, member_id, group_id ON conversation_parties
    FOR EACH ROW EXECUTE FUNCTION reads_follow_party();

-- A new manager of a group sees the group's conversations.
CREATE FUNCTION reads_follow_manager() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'manager' THEN
        PERFORM reads_follow_conversation(cp.conversation_id, false)
        FROM conversation_parties cp WHERE cp.group_id = NEW.group_id
        ORDER BY cp.conversation_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_manager
    AFTER INSERT OR UPDATE OF role, member_id, group_id ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION reads_follow_manager();

-- The conversations there are now.
INSERT INTO conversation_reads AS r (conversation_id, member_id, last_read_message_id,
                                     latest_message_id, latest_message_at)
SELECT DISTINCT v.conversation_id, v.member_id, 0::bigint, c.last_message_id, c.last_message_at
FROM conversation_viewers v
JOIN conversations c ON c.id = v.conversation_id
ON CONFLICT (member_id, conversation_id) DO UPDATE
SET latest_message_id = EXCLUDED.latest_message_id,
    latest_message_at = EXCLUDED.latest_message_at;

CREATE INDEX conversation_reads_behind ON conversation_reads (member_id)
    WHERE latest_message_id > last_read_message_id;
CREATE INDEX conversation_reads_newest ON conversation_reads
    (member_id, latest_message_at DESC, conversation_id DESC);

-- The same rule as before, from the member's rows that are behind; who may see
-- each of them is asked of that one conversation (directly first, then as a
-- group's manager), not of all the member's. PL/pgSQL with one generic plan per
-- connection: inlined in each caller's statement, planning it (view, lateral,
-- sort) cost ten times its execution on every page.
CREATE OR REPLACE FUNCTION unread_conversations(viewer bigint)
    RETURNS TABLE (id bigint, last_message_id bigint, last_message_at timestamptz, via_group_id bigint)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT c.id, c.last_message_id, c.last_message_at, v.via_group_id
    FROM conversation_reads r
    JOIN conversations c ON c.id = r.conversation_id
    CROSS JOIN LATERAL (
        SELECT cv.via_group_id FROM conversation_viewers cv
        WHERE cv.conversation_id = r.conversation_id AND cv.member_id = viewer AND NOT cv.request
        ORDER BY cv.via_group_id NULLS FIRST LIMIT 1) v
    WHERE r.member_id = viewer AND r.latest_message_id > r.last_read_message_id
      AND c.last_message_id > r.last_read_message_id
      AND NOT EXISTS (SELECT 1 FROM conversation_mutes m
                      WHERE m.member_id = viewer AND m.conversation_id = c.id);
END $$;
