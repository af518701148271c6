//! Managers looking after a group's people: appointing and removing managers,
//! removing members.

use super::{lock, manager_count, member_id, role};
use crate::backend::permissions;
use crate::error::AppError;
use sqlx::PgPool;

/// Makes a member of the group a manager, or a manager an ordinary member again
/// (a manager may step down themself). The group keeps at least one manager.
/// From the moment this commits, the new manager reads and answers the group's
/// conversations and a former one no longer does (`conversation_viewers`).
pub async fn set_manager(
    pool: &PgPool,
    slug: &str,
    manager_id: i64,
    handle: &str,
    manager: bool,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    permissions::may_manage_group(role(&mut tx, group.id, manager_id).await?.as_deref())?;
    let member = member_id(&mut tx, handle).await?;
    let current = role(&mut tx, group.id, member)
        .await?
        .ok_or_else(|| AppError::Refused(crate::i18n::k::error_manager_not_member.into()))?;
    if !manager && current == "manager" {
        permissions::keeps_a_manager(manager_count(&mut tx, group.id).await?)?;
    }
    sqlx::query!(
        "UPDATE group_memberships SET role = $3 WHERE group_id = $1 AND member_id = $2",
        group.id,
        member,
        if manager { "manager" } else { "member" }
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes someone from the group (managers only; a manager is removed only while
/// another remains). Removing someone who is not in it changes nothing.
pub async fn remove_member(
    pool: &PgPool,
    slug: &str,
    manager_id: i64,
    handle: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    permissions::may_manage_group(role(&mut tx, group.id, manager_id).await?.as_deref())?;
    let member = member_id(&mut tx, handle).await?;
    if role(&mut tx, group.id, member).await?.as_deref() == Some("manager") {
        permissions::keeps_a_manager(manager_count(&mut tx, group.id).await?)?;
    }
    sqlx::query!(
        "DELETE FROM group_memberships WHERE group_id = $1 AND member_id = $2",
        group.id,
        member
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
