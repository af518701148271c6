//! Read marks and the unread state the envelope shows.

use crate::backend::live::{self, Kind};
use crate::backend::permissions;
use crate::error::AppError;
use crate::model::account::Viewer;
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
        live::publish_own(&mut tx, member_id, Kind::Read, conversation_id).await?;
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
        live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
    }
    tx.commit().await?;
    Ok(conversation_id)
}

/// Where the member had read up to in a conversation, before opening it now.
pub(super) async fn last_read(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT last_read_message_id FROM conversation_reads
         WHERE member_id = $1 AND conversation_id = $2",
        member_id,
        conversation_id
    )
    .fetch_optional(pool)
    .await?
    .unwrap_or(0))
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
