//! Members block and unblock each other.

use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use sqlx::PgPool;

/// Blocks or unblocks a member by handle; returns whether they are blocked now.
pub async fn set_block(
    pool: &PgPool,
    viewer: &Viewer,
    handle: &str,
    blocked: bool,
) -> Result<bool, AppError> {
    let member_id = sqlx::query_scalar!(
        "SELECT id FROM members WHERE handle = $1 AND deleted_at IS NULL",
        handle.trim().to_lowercase()
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if member_id == viewer.id {
        return Err(AppError::Refused(k::error_block_self.into()));
    }
    if blocked {
        sqlx::query!(
            "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            viewer.id,
            member_id
        )
        .execute(pool)
        .await?;
    } else {
        sqlx::query!(
            "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2",
            viewer.id,
            member_id
        )
        .execute(pool)
        .await?;
    }
    Ok(blocked)
}

/// Whether the viewer blocked this member (for their profile page).
pub async fn has_blocked(pool: &PgPool, viewer_id: i64, member_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS "b!""#,
        viewer_id,
        member_id
    )
    .fetch_one(pool)
    .await?)
}
