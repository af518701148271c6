//! Managers answering requests to join a closed group.

use super::membership::add_member;
use super::{lock, member_id, role};
use crate::backend::permissions;
use crate::error::AppError;
use sqlx::PgPool;

/// Approves (the member joins) or declines (the request goes) a request to join.
/// Only the group's managers may; a request that is no longer there (withdrawn,
/// or answered by another manager) is `NotFound`.
pub async fn answer_request(
    pool: &PgPool,
    slug: &str,
    manager_id: i64,
    handle: &str,
    approve: bool,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    permissions::may_manage_group(role(&mut tx, group.id, manager_id).await?.as_deref())?;
    let member = member_id(&mut tx, handle).await?;
    let withdrawn = sqlx::query!(
        "DELETE FROM group_pending WHERE group_id = $1 AND member_id = $2 AND kind = 'request'",
        group.id,
        member
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 0;
    if withdrawn {
        return Err(AppError::NotFound);
    }
    if approve {
        add_member(&mut tx, group.id, member).await?;
    }
    tx.commit().await?;
    Ok(())
}
