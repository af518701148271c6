//! Read receipts: telling the others in a conversation how far a member has read.

use super::{notify, Kind, Published, Target};
use crate::error::AppError;
use crate::model::conversation::Seen;
use sqlx::PgConnection;

/// Takes the live-stream rows of everyone in the conversation, in member order,
/// before a read mark publishes to the reader's own stream and then to the others'
/// ("seen"): two participants reading at the same moment would otherwise take each
/// other's rows in opposite orders and deadlock (the benchmark found it). Missing
/// rows are created first, in the same order, so a first event cannot either.
pub async fn lock_streams_for_read(
    conn: &mut PgConnection,
    conversation_id: i64,
    reader_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO live_streams AS s (member_id, seq)
         SELECT member_id, 0 FROM (
             SELECT member_id FROM conversation_viewers WHERE conversation_id = $1
             UNION SELECT $2::bigint) AS everyone
         ORDER BY member_id
         ON CONFLICT (member_id) DO UPDATE SET seq = s.seq",
        conversation_id,
        reader_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// After the member's read mark in the conversation moved: a numbered `seen`
/// event for each of the others who share their own read state, naming the
/// reader's side (themself, or the group they read for, whose mark is the
/// furthest of its sharing managers). Nothing when the reader does not share,
/// or has the conversation as a request they have not accepted.
pub async fn publish_seen(
    conn: &mut PgConnection,
    conversation_id: i64,
    reader_id: i64,
) -> Result<(), AppError> {
    let rows = sqlx::query!(
        r#"WITH reader AS (
             SELECT v.via_group_id FROM conversation_viewers v
             JOIN members m ON m.id = v.member_id AND m.share_read_state
             WHERE v.conversation_id = $1 AND v.member_id = $2 AND NOT v.request
             ORDER BY v.via_group_id NULLS FIRST LIMIT 1
           ), party AS (
             SELECT r.via_group_id,
                    CASE WHEN r.via_group_id IS NULL
                         THEN (SELECT display_name FROM members WHERE id = $2)
                         ELSE (SELECT name FROM groups WHERE id = r.via_group_id) END AS name,
                    CASE WHEN r.via_group_id IS NULL
                         THEN (SELECT last_read_message_id FROM conversation_reads
                               WHERE member_id = $2 AND conversation_id = $1)
                         ELSE (SELECT max(cr.last_read_message_id)
                               FROM group_memberships gm
                               JOIN members mm ON mm.id = gm.member_id AND mm.share_read_state
                               JOIN conversation_reads cr
                                 ON cr.member_id = gm.member_id AND cr.conversation_id = $1
                               WHERE gm.group_id = r.via_group_id AND gm.role = 'manager') END AS up_to
             FROM reader r
           ), recipients AS (
             SELECT DISTINCT v.member_id
             FROM conversation_viewers v
             JOIN members m ON m.id = v.member_id AND m.share_read_state
             CROSS JOIN party p
             WHERE v.conversation_id = $1 AND v.member_id <> $2 AND NOT v.request
               AND p.up_to IS NOT NULL
               -- Not the reader's own side (the group's other managers).
               AND NOT (p.via_group_id IS NOT NULL AND v.via_group_id IS NOT DISTINCT FROM p.via_group_id)
           ), bumped AS (
             INSERT INTO live_streams AS s (member_id, seq)
             SELECT member_id, 1 FROM recipients ORDER BY member_id
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.member_id, s.seq
           ), events AS (
             INSERT INTO live_events (member_id, seq, kind, conversation_id, message_id, via_group_id, actor_id)
             SELECT b.member_id, b.seq, 'seen', $1, p.up_to, p.via_group_id,
                    CASE WHEN p.via_group_id IS NULL THEN $2 END
             FROM bumped b CROSS JOIN party p
             RETURNING member_id, seq
           )
           SELECT e.member_id AS "member_id!", e.seq AS "seq!", p.via_group_id,
                  p.name AS "name!", p.up_to AS "up_to!"
           FROM events e CROSS JOIN party p"#,
        conversation_id,
        reader_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let seen = Seen {
        token: match first.via_group_id {
            Some(group) => format!("group:{group}"),
            None => format!("member:{reader_id}"),
        },
        name: first.name.clone(),
        up_to: first.up_to,
    };
    let to = rows
        .iter()
        .map(|r| Target {
            member: r.member_id,
            seq: r.seq,
            flags: 0,
            via_group: None,
        })
        .collect();
    let mut published = Published::new(Kind::Seen, conversation_id, to);
    published.seen = Some(seen);
    notify(conn, published).await
}
