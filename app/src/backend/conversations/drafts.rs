//! Drafts: the unsent text of each conversation and of the start dialog, kept on
//! the server (the page saves it a moment after the member stops typing) so it
//! follows them to another device. Sending clears it.

use crate::backend::permissions;
use crate::domain::conversation::{DRAFTS_PER_MINUTE, DRAFT_MAX_BYTES};
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use sqlx::{PgConnection, PgPool};

/// Saves the member's draft for `conversation` (the start dialog when `None`);
/// an empty text removes it. A draft may break the message rules (it is not sent
/// yet) but not grow past `DRAFT_MAX_BYTES`. At most `DRAFTS_PER_MINUTE` saves a
/// minute.
pub async fn save_draft(
    pool: &PgPool,
    viewer: &Viewer,
    conversation: Option<i64>,
    body: &str,
) -> Result<(), AppError> {
    if let Some(id) = conversation {
        permissions::conversation_access(pool, viewer.id, id).await?;
    }
    if body.len() > DRAFT_MAX_BYTES {
        return Err(super::field_error("body", k::error_draft_too_long));
    }
    let mut tx = pool.begin().await?;
    crate::backend::moderation::check_action_rate(&mut tx, viewer.id, "draft", DRAFTS_PER_MINUTE)
        .await?;
    if body.trim().is_empty() {
        clear(&mut tx, viewer.id, conversation).await?;
    } else {
        match conversation {
            Some(id) => {
                sqlx::query!(
                    "INSERT INTO drafts (member_id, conversation_id, body) VALUES ($1, $2, $3)
                 ON CONFLICT (member_id, conversation_id) WHERE conversation_id IS NOT NULL
                 DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
                    viewer.id,
                    id,
                    body
                )
                .execute(&mut *tx)
                .await?
            }
            None => {
                sqlx::query!(
                    "INSERT INTO drafts (member_id, body) VALUES ($1, $2)
                 ON CONFLICT (member_id) WHERE conversation_id IS NULL
                 DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
                    viewer.id,
                    body
                )
                .execute(&mut *tx)
                .await?
            }
        };
    }
    tx.commit().await?;
    Ok(())
}

/// Removes the member's draft for `conversation` (the start dialog when `None`).
pub(super) async fn clear(
    conn: &mut PgConnection,
    member_id: i64,
    conversation: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query!(
        "DELETE FROM drafts WHERE member_id = $1 AND conversation_id IS NOT DISTINCT FROM $2",
        member_id,
        conversation
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The member's draft for `conversation` (the start dialog when `None`), if any.
pub(super) async fn draft(
    pool: &PgPool,
    member_id: i64,
    conversation: Option<i64>,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT body FROM drafts WHERE member_id = $1 AND conversation_id IS NOT DISTINCT FROM $2",
        member_id,
        conversation
    )
    .fetch_optional(pool)
    .await?)
}
