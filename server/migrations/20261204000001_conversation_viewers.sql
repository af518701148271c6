-- Who may see a conversation, written once: the access check
-- (`permissions::conversation_access`, its Rust twin, reads it), unread counts,
-- the fan-out of a new message, live replays and settings go through this view.
-- The two keyset-paged lists (inbox, requests) select the same rows from
-- conversation_parties by party, because a join key cannot be pushed into this
-- UNION ALL (see backend/conversations/inbox.rs). A member sees a conversation
-- when listed directly (an accepted conversation, or a message request not yet
-- answered; not one they declined or left) or as a current manager of a group
-- listed in it. A member reached both ways has a row for each.
--
-- `via_group_id` is the group they act for (NULL when listed directly); it comes
-- from group_memberships, so a filter on it narrows the manager's groups before
-- their conversations are read. `group_notify` is that manager's notification
-- choice for the group (always true when listed directly).
CREATE VIEW conversation_viewers AS
    SELECT cp.conversation_id, cp.member_id, NULL::bigint AS via_group_id,
           cp.state = 'request' AS request, true AS group_notify
    FROM conversation_parties cp
    WHERE cp.member_id IS NOT NULL AND cp.state <> 'declined'
    UNION ALL
    SELECT cp.conversation_id, gm.member_id, gm.group_id AS via_group_id,
           false AS request, gm.notify AS group_notify
    FROM group_memberships gm
    JOIN conversation_parties cp ON cp.group_id = gm.group_id
    WHERE gm.role = 'manager';

-- The unread rule (the envelope, the live endpoint, the notifications menu) on top
-- of the view: requests are not counted until accepted, muted conversations never.
CREATE OR REPLACE FUNCTION unread_conversations(viewer bigint)
    RETURNS TABLE (id bigint, last_message_id bigint, last_message_at timestamptz, via_group_id bigint)
    LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (c.id) c.id, c.last_message_id, c.last_message_at, v.via_group_id
    FROM conversation_viewers v
    JOIN conversations c ON c.id = v.conversation_id
    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = viewer
    WHERE v.member_id = viewer AND NOT v.request
      AND c.last_message_id > coalesce(r.last_read_message_id, 0)
      AND NOT EXISTS (SELECT 1 FROM conversation_mutes m
                      WHERE m.member_id = viewer AND m.conversation_id = c.id)
    ORDER BY c.id, v.via_group_id NULLS FIRST
$$;
