//! Recording live events and announcing them to every instance on commit.

use super::*;
use crate::error::AppError;
use sqlx::PgConnection;

/// Announces `published` to every instance when the transaction commits.
pub async fn notify(conn: &mut PgConnection, mut published: Published) -> Result<(), AppError> {
    published.sent_at_ms = Some(chrono::Utc::now().timestamp_millis());
    let mut payload = serde_json::to_string(&published).map_err(|_| AppError::Internal)?;
    if payload.len() > MAX_PAYLOAD {
        published.message = None;
        published.edit = None;
        published.reactions = None;
        published.seen = None;
        published.typing = None;
        payload = serde_json::to_string(&published).map_err(|_| AppError::Internal)?;
    }
    if payload.len() > MAX_PAYLOAD {
        // So many recipients that even the ids do not fit: announce them in parts.
        for part in published.to.chunks(100) {
            let part = Published {
                to: part.to_vec(),
                message: None,
                edit: None,
                reactions: None,
                seen: None,
                typing: None,
                ..published.clone()
            };
            let payload = serde_json::to_string(&part).map_err(|_| AppError::Internal)?;
            send_notify(conn, &payload).await?;
        }
        return Ok(());
    }
    send_notify(conn, &payload).await
}

async fn send_notify(conn: &mut PgConnection, payload: &str) -> Result<(), AppError> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANNEL, payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// A recipient seeing the event plainly (no per-recipient flags).
fn plain(member: i64, seq: i64) -> Target {
    Target {
        member,
        seq,
        flags: 0,
        via_group: None,
    }
}

/// Records a `read` or `unread` event for one member (their other tabs follow).
pub async fn publish_own(
    conn: &mut PgConnection,
    member_id: i64,
    kind: Kind,
    conversation_id: i64,
) -> Result<(), AppError> {
    let seq = sqlx::query_scalar!(
        r#"WITH bumped AS (
             INSERT INTO live_streams AS s (member_id, seq) VALUES ($1, 1)
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.seq)
           INSERT INTO live_events (member_id, seq, kind, conversation_id)
           SELECT $1, seq, $2, $3 FROM bumped RETURNING seq"#,
        member_id,
        kind.as_str(),
        conversation_id
    )
    .fetch_one(&mut *conn)
    .await?;
    notify(
        conn,
        Published::new(kind, conversation_id, vec![plain(member_id, seq)]),
    )
    .await
}

/// What happened to a message, as its conversation is told.
pub enum Change {
    /// By a moderator.
    Removed,
    Edited(MessageEdit),
    /// By its author.
    Deleted,
    /// All its reactions now.
    Reacted(Vec<Reaction>),
}

/// Tells everyone who can see a conversation about a change to one of its
/// messages, so open threads follow at once.
pub async fn publish_to_conversation(
    conn: &mut PgConnection,
    conversation_id: i64,
    message_id: i64,
    change: Change,
) -> Result<(), AppError> {
    let kind = match change {
        Change::Removed => Kind::Removed,
        Change::Edited(_) => Kind::Edited,
        Change::Deleted => Kind::Deleted,
        Change::Reacted(_) => Kind::Reacted,
    };
    let to = sqlx::query!(
        r#"WITH recipients AS (
             SELECT DISTINCT member_id FROM conversation_viewers WHERE conversation_id = $1
           ), bumped AS (
             INSERT INTO live_streams AS s (member_id, seq)
             SELECT member_id, 1 FROM recipients ORDER BY member_id
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.member_id, s.seq
           )
           INSERT INTO live_events (member_id, seq, kind, conversation_id, message_id)
           SELECT member_id, seq, $3, $1, $2 FROM bumped
           RETURNING member_id, seq"#,
        conversation_id,
        message_id,
        kind.as_str()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| plain(r.member_id, r.seq))
    .collect();
    let mut published = Published::new(kind, conversation_id, to);
    published.message_id = Some(message_id);
    match change {
        Change::Edited(edit) => published.edit = Some(edit),
        Change::Reacted(reactions) => published.reactions = Some(reactions),
        Change::Removed | Change::Deleted => {}
    }
    notify(conn, published).await
}

/// Ends a member's open live streams on every instance, when the transaction
/// commits: those of one session (sign-out) or all of them (suspension).
pub async fn revoke(
    conn: &mut PgConnection,
    member_id: i64,
    session: Option<String>,
) -> Result<(), AppError> {
    let mut published = Published::new(Kind::Revoke, 0, vec![plain(member_id, 0)]);
    published.session = session;
    notify(conn, published).await
}
