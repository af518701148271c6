//! Read marks and the unread state the envelope shows.

use crate::backend::live::{self, Kind};
use crate::backend::permissions;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::Seen;
use sqlx::{PgConnection, PgPool};

/// Moves the member's read mark forward (never back); true when it moved.
pub(super) async fn mark_read_in(
    conn: &mut PgConnection,
    conversation_id: i64,
    member_id: i64,
    up_to: i64,
) -> Result<bool, AppError> {
    let moved = sqlx::query!(
        "INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
         VALUES ($1, $2, $3)
         ON CONFLICT (member_id, conversation_id) DO UPDATE
         SET last_read_message_id = EXCLUDED.last_read_message_id
         WHERE conversation_reads.last_read_message_id < EXCLUDED.last_read_message_id",
        conversation_id,
        member_id,
        up_to
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(moved > 0)
}

/// Marks read as a reader (not as an author): the member's other tabs hear of it.
pub(super) async fn read_up_to(
    pool: &PgPool,
    conversation_id: i64,
    member_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    if mark_read_in(&mut tx, conversation_id, member_id, up_to).await? {
        live::lock_streams_for_read(&mut tx, conversation_id, member_id).await?;
        live::publish_own(&mut tx, member_id, Kind::Read, conversation_id).await?;
        live::publish_seen(&mut tx, conversation_id, member_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Marks a conversation read up to `up_to` (an open thread showing a live message).
/// The mark never passes the conversation's newest message.
pub async fn mark_read(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let newest = sqlx::query_scalar!(
        "SELECT last_message_id FROM conversations WHERE id = $1",
        conversation_id
    )
    .fetch_one(pool)
    .await?;
    read_up_to(pool, conversation_id, viewer.id, up_to.min(newest)).await
}

/// Marks the conversation of `message_id` unread from that message on: the
/// member's read mark goes back to just before it (only back: a mark already
/// before it stays). Their pages hear of it, so the envelope turns gold again.
/// Returns the conversation.
pub async fn mark_unread(pool: &PgPool, viewer: &Viewer, message_id: i64) -> Result<i64, AppError> {
    let conversation_id = sqlx::query_scalar!(
        "SELECT conversation_id FROM messages WHERE id = $1 AND kind = 'text'",
        message_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let mut tx = pool.begin().await?;
    let moved = sqlx::query!(
        "INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
         VALUES ($1, $2, $3)
         ON CONFLICT (member_id, conversation_id) DO UPDATE
         SET last_read_message_id = EXCLUDED.last_read_message_id
         WHERE conversation_reads.last_read_message_id > EXCLUDED.last_read_message_id",
        conversation_id,
        viewer.id,
        message_id - 1
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved > 0 {
        live::lock_streams_for_read(&mut tx, conversation_id, viewer.id).await?;
        live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
        live::publish_seen(&mut tx, conversation_id, viewer.id).await?;
    }
    tx.commit().await?;
    Ok(conversation_id)
}

/// How far each of the others in the conversation has read: its members who
/// share their read state, and each group as far as its sharing managers have
/// read. Empty when the viewer does not share theirs (as in Zulip), and never the
/// viewer's own side (`own`) or anyone who has the conversation as a request.
pub(super) async fn seen_by_others(
    pool: &PgPool,
    viewer_id: i64,
    conversation_id: i64,
    own: &str,
) -> Result<Vec<Seen>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT 'member:' || cp.member_id AS "token!", m.display_name AS "name!",
                  r.last_read_message_id AS "up_to!"
           FROM conversation_parties cp
           JOIN members m ON m.id = cp.member_id AND m.share_read_state AND m.deleted_at IS NULL
           JOIN conversation_reads r ON r.member_id = cp.member_id AND r.conversation_id = cp.conversation_id
                AND r.last_read_message_id > 0
           WHERE cp.conversation_id = $1 AND cp.state = 'active'
             AND (SELECT share_read_state FROM members WHERE id = $2)
           UNION ALL
           SELECT 'group:' || cp.group_id, g.name, max(r.last_read_message_id)
           FROM conversation_parties cp
           JOIN groups g ON g.id = cp.group_id
           JOIN group_memberships gm ON gm.group_id = cp.group_id AND gm.role = 'manager'
           JOIN members m ON m.id = gm.member_id AND m.share_read_state
           JOIN conversation_reads r ON r.member_id = gm.member_id AND r.conversation_id = cp.conversation_id
                AND r.last_read_message_id > 0
           WHERE cp.conversation_id = $1 AND (SELECT share_read_state FROM members WHERE id = $2)
           GROUP BY cp.group_id, g.name"#,
        conversation_id,
        viewer_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.token != own)
        .map(|r| Seen {
            token: r.token,
            name: r.name,
            up_to: r.up_to,
        })
        .collect())
}

pub async fn unread_ids(pool: &PgPool, member_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM unread_conversations($1) ORDER BY last_message_at DESC LIMIT 1000"#,
        member_id
    )
    .fetch_all(pool)
    .await?)
}

/// How many conversations the member can see have a message they have not read
/// (see the SQL function `unread_conversations`). Their own messages never count:
/// sending marks the conversation read for the author.
pub async fn unread_count(pool: &PgPool, member_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM unread_conversations($1)"#,
        member_id
    )
    .fetch_one(pool)
    .await?)
}
