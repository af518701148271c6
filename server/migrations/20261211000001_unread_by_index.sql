-- The unread count without reading every conversation of the member (issue 19).
--
-- `unread_conversations` compared each conversation's last message with the
-- member's read mark, one conversation at a time: for a member in 1,000
-- conversations that was half of PostgreSQL's work for every page (the envelope).
-- Now every read mark carries the conversation's last message as of the member's
-- view (`latest_message_id`), kept by the triggers below, and the rows where it is
-- ahead of the read mark are indexed: the count reads only those.
--
-- What the triggers keep: every member who may see a conversation with messages
-- (the view `conversation_viewers`) has a `conversation_reads` row whose
-- `latest_message_id` is at least the conversation's `last_message_id`. A new row
-- has read nothing (`last_read_message_id` 0, as a missing row meant before).
-- The count still checks the whole rule (who may see it, requests, mutes, the
-- conversation's own last message), so a row left ahead (a deleted last message
-- moves the conversation back) is read past, never counted wrongly.
--
-- Races: a send raises `latest_message_id` with `GREATEST` in its own row update,
-- and marking read changes only `last_read_message_id`: whichever commits second
-- re-reads the row the other wrote, so neither undoes the other.

ALTER TABLE conversation_reads ADD COLUMN latest_message_id bigint NOT NULL DEFAULT 0;

-- Every member who may see `conversation` gets its last message as their latest,
-- in member order (concurrent sends lock rows in one order). In PL/pgSQL, whose
-- plans are kept per connection: a SQL function is planned again at every call.
CREATE FUNCTION reads_follow_conversation(conversation bigint) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conversation_reads AS r
        (conversation_id, member_id, last_read_message_id, latest_message_id)
    SELECT DISTINCT v.conversation_id, v.member_id, 0::bigint, c.last_message_id
    FROM conversation_viewers v
    JOIN conversations c ON c.id = v.conversation_id
    WHERE v.conversation_id = conversation AND c.last_message_id > 0
    ORDER BY v.member_id
    ON CONFLICT (member_id, conversation_id) DO UPDATE
    SET latest_message_id = EXCLUDED.latest_message_id
    WHERE r.latest_message_id < EXCLUDED.latest_message_id;
END $$;

-- A new last message.
CREATE FUNCTION reads_follow_last_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reads_follow_conversation(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_last_message
    AFTER UPDATE OF last_message_id ON conversations
    FOR EACH ROW WHEN (NEW.last_message_id > OLD.last_message_id)
    EXECUTE FUNCTION reads_follow_last_message();

-- A party added, a request accepted, a declined party back: new viewers.
CREATE FUNCTION reads_follow_party() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reads_follow_conversation(NEW.conversation_id);
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_party
    AFTER INSERT OR UPDATE OF state, member_id, group_id ON conversation_parties
    FOR EACH ROW EXECUTE FUNCTION reads_follow_party();

-- A new manager of a group sees the group's conversations.
CREATE FUNCTION reads_follow_manager() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'manager' THEN
        PERFORM reads_follow_conversation(cp.conversation_id)
        FROM conversation_parties cp WHERE cp.group_id = NEW.group_id
        ORDER BY cp.conversation_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reads_follow_manager
    AFTER INSERT OR UPDATE OF role, member_id, group_id ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION reads_follow_manager();

-- The conversations there are now.
INSERT INTO conversation_reads AS r
    (conversation_id, member_id, last_read_message_id, latest_message_id)
SELECT DISTINCT v.conversation_id, v.member_id, 0::bigint, c.last_message_id
FROM conversation_viewers v
JOIN conversations c ON c.id = v.conversation_id
WHERE c.last_message_id > 0
ON CONFLICT (member_id, conversation_id) DO UPDATE
SET latest_message_id = EXCLUDED.latest_message_id
WHERE r.latest_message_id < EXCLUDED.latest_message_id;

CREATE INDEX conversation_reads_behind ON conversation_reads (member_id)
    WHERE latest_message_id > last_read_message_id;

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
