-- The fan-out of one new message (notifications/fan_out.rs): $1 conversation,
-- $2 message, $3 author, $4 the group it was sent as, $5 the email batch window in
-- seconds, $6 whether it is a note ("Alice left"), $7 the push delay in seconds.
WITH recipients AS (
  -- Suspended members hear nothing more.
  SELECT DISTINCT ON (v.member_id) v.member_id, v.via_group_id AS via_group,
         v.group_notify, v.request
  FROM conversation_viewers v
  WHERE v.conversation_id = $1
    AND NOT EXISTS (SELECT 1 FROM members m
                    WHERE m.id = v.member_id AND m.suspended_at IS NOT NULL)
  ORDER BY v.member_id, v.via_group_id NULLS FIRST
), flagged AS (
  SELECT r.member_id, r.via_group,
         CASE WHEN $4::bigint IS NULL THEN r.via_group IS NULL AND r.member_id = $3
              ELSE r.via_group IS NOT DISTINCT FROM $4 END AS mine,
         $4::bigint IS NOT NULL AND EXISTS (
           SELECT 1 FROM group_memberships gm
           WHERE gm.group_id = $4 AND gm.member_id = r.member_id AND gm.role = 'manager') AS writer,
         r.group_notify, r.request,
         EXISTS (SELECT 1 FROM blocks b
                 WHERE b.blocker_id = r.member_id AND b.blocked_id = $3) AS blocked,
         coalesce(ns.in_app, true) AS in_app,
         coalesce(ns.email, 'batched') AS email,
         coalesce(ns.push, true) AS push,
         EXISTS (SELECT 1 FROM conversation_mutes cm
                 WHERE cm.member_id = r.member_id AND cm.conversation_id = $1) AS muted
  FROM recipients r
  LEFT JOIN notification_settings ns ON ns.member_id = r.member_id
), decided AS (
  SELECT *, (NOT mine AND member_id <> $3 AND NOT muted AND group_notify
             AND NOT request AND NOT blocked AND NOT $6) AS wants
  FROM flagged
), author_read AS (
  -- The author has read what they wrote. Here, not with the message: read marks of a
  -- conversation are locked only after its row (sends lock it moving it up), or two
  -- members sending at once each wait for the other.
  UPDATE conversation_reads r SET last_read_message_id = $2
  WHERE r.member_id = $3 AND r.conversation_id = $1 AND NOT $6 AND r.last_read_message_id < $2
), still_read AS (
  UPDATE conversation_reads r SET last_read_message_id = $2
  FROM decided d
  WHERE d.blocked AND r.member_id = d.member_id AND r.conversation_id = $1
    AND r.last_read_message_id >= (SELECT coalesce(max(id), 0) FROM messages
                                   WHERE conversation_id = $1 AND id < $2 AND kind = 'text')
), bumped AS (
  INSERT INTO live_streams AS s (member_id, seq)
  SELECT member_id, 1 FROM decided ORDER BY member_id
  ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
  RETURNING s.member_id, s.seq
), events AS (
  INSERT INTO live_events (member_id, seq, kind, conversation_id, message_id, flags, via_group_id)
  SELECT d.member_id, b.seq, 'message', $1, $2,
         (CASE WHEN d.mine THEN 1 ELSE 0 END
          | CASE WHEN d.writer THEN 2 ELSE 0 END
          | CASE WHEN d.wants AND d.in_app THEN 4 ELSE 0 END
          | CASE WHEN d.muted THEN 8 ELSE 0 END
          | CASE WHEN d.blocked THEN 16 ELSE 0 END
          | CASE WHEN d.request THEN 32 ELSE 0 END
          | CASE WHEN $6 THEN 64 ELSE 0 END)::smallint,
         d.via_group
  FROM decided d JOIN bumped b USING (member_id)
  RETURNING member_id, seq, flags, via_group_id
), outbox AS (
  INSERT INTO email_outbox AS o
      (member_id, conversation_id, mode, first_message_id, last_message_id, due_at)
  SELECT member_id, $1, email, $2, $2,
         CASE WHEN email = 'each' THEN now()
              -- An administrator's window (site settings) wins over the configured one.
              ELSE now() + make_interval(secs => coalesce((SELECT email_batch_seconds FROM site_settings), $5)) END
  FROM decided WHERE wants AND email <> 'off'
  ON CONFLICT (member_id, conversation_id) WHERE mode = 'batched'
  DO UPDATE SET last_message_id = GREATEST(o.last_message_id, EXCLUDED.last_message_id)
), pushes AS (
  -- One push per browser the member turned notifications on in.
  INSERT INTO push_outbox (subscription_id, member_id, conversation_id, message_id, due_at)
  SELECT s.id, d.member_id, $1, $2, now() + make_interval(secs => $7)
  FROM decided d JOIN push_subscriptions s ON s.member_id = d.member_id
  WHERE d.wants AND d.push
)
SELECT e.member_id AS "member_id!", e.seq AS "seq!", e.flags AS "flags!", g.name AS "via_group?"
FROM events e LEFT JOIN groups g ON g.id = e.via_group_id
