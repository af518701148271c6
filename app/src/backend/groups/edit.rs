//! Managers editing their group's name, description and who may join.

use super::{lock, role};
use crate::backend::permissions;
use crate::domain::group::GroupProfile;
use crate::error::AppError;
use sqlx::PgPool;

/// Saves the group's settings (managers only). Closing an open group keeps its
/// members; opening a closed one lets everyone who asked to join in at once.
pub async fn edit(
    pool: &PgPool,
    slug: &str,
    manager_id: i64,
    profile: &GroupProfile,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    permissions::may_manage_group(role(&mut tx, group.id, manager_id).await?.as_deref())?;
    sqlx::query!(
        "UPDATE groups SET name = $2, description = $3, is_open = $4 WHERE id = $1",
        group.id,
        profile.name.as_str(),
        profile.description.as_str(),
        profile.is_open
    )
    .execute(&mut *tx)
    .await?;
    if profile.is_open {
        sqlx::query!(
            "WITH asked AS (
                 DELETE FROM group_pending WHERE group_id = $1 AND kind = 'request' RETURNING member_id
             )
             INSERT INTO group_memberships (group_id, member_id, role)
             SELECT $1, member_id, 'member' FROM asked ON CONFLICT DO NOTHING",
            group.id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
