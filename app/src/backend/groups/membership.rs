//! A member's own side of membership: joining an open group, asking to join a
//! closed one, and leaving (or withdrawing a request).

use super::{lock, manager_count, role};
use crate::backend::permissions;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// Joins an open group, or a closed one whose managers invited the member.
/// Joining a group one is in changes nothing.
pub async fn join(pool: &PgPool, slug: &str, member_id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    if role(&mut tx, group.id, member_id).await?.is_some() {
        return Ok(());
    }
    let invited =
        pending_kind(&mut tx, group.id, member_id).await?.as_deref() == Some("invitation");
    permissions::may_join_group(group.is_open || invited)?;
    add_member(&mut tx, group.id, member_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Asks to join a closed group; its managers approve or decline. A member the
/// managers invited joins at once, as does anyone asking to join an open group.
/// Asking again changes nothing.
pub async fn request_to_join(
    pool: &PgPool,
    public_url: &str,
    slug: &str,
    member_id: i64,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    if role(&mut tx, group.id, member_id).await?.is_some() {
        return Ok(());
    }
    let invited =
        pending_kind(&mut tx, group.id, member_id).await?.as_deref() == Some("invitation");
    if group.is_open || invited {
        add_member(&mut tx, group.id, member_id).await?;
    } else {
        let asked = sqlx::query!(
            "INSERT INTO group_pending (group_id, member_id, kind) VALUES ($1, $2, 'request')
             ON CONFLICT DO NOTHING",
            group.id,
            member_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if asked {
            tell_managers(&mut tx, public_url, group.id, member_id).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Leaves a group, or withdraws a request to join it (or declines an
/// invitation). The last manager cannot leave: a group always has someone to
/// answer its conversations. Leaving what one is not in changes nothing.
pub async fn leave(pool: &PgPool, slug: &str, member_id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    sqlx::query!(
        "DELETE FROM group_pending WHERE group_id = $1 AND member_id = $2",
        group.id,
        member_id
    )
    .execute(&mut *tx)
    .await?;
    if let Some(role) = role(&mut tx, group.id, member_id).await? {
        let managers = manager_count(&mut tx, group.id).await?;
        permissions::may_leave_group(role == "manager", managers)?;
        sqlx::query!(
            "DELETE FROM group_memberships WHERE group_id = $1 AND member_id = $2",
            group.id,
            member_id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What is pending between the group and the member: `request`, `invitation`, or none.
async fn pending_kind(
    conn: &mut PgConnection,
    group_id: i64,
    member_id: i64,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT kind FROM group_pending WHERE group_id = $1 AND member_id = $2",
        group_id,
        member_id
    )
    .fetch_optional(conn)
    .await?)
}

/// Makes the member an ordinary member (a manager stays one) and clears whatever
/// was pending between them and the group.
pub(crate) async fn add_member(
    conn: &mut PgConnection,
    group_id: i64,
    member_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "DELETE FROM group_pending WHERE group_id = $1 AND member_id = $2",
        group_id,
        member_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO group_memberships (group_id, member_id, role) VALUES ($1, $2, 'member')
         ON CONFLICT DO NOTHING",
        group_id,
        member_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Emails the group's managers that someone asked to join, unless they were
/// emailed about this group's requests within the hour (the page lists them
/// all), or silenced the group or their email. The bell lists requests anyway.
async fn tell_managers(
    tx: &mut sqlx::PgConnection,
    public_url: &str,
    group_id: i64,
    asker_id: i64,
) -> Result<(), AppError> {
    let Some(group) = sqlx::query!(
        "UPDATE groups SET requests_notified_at = now()
         WHERE id = $1 AND (requests_notified_at IS NULL
                            OR requests_notified_at < now() - interval '1 hour')
         RETURNING name, slug",
        group_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let asker = sqlx::query_scalar!("SELECT display_name FROM members WHERE id = $1", asker_id)
        .fetch_one(&mut *tx)
        .await?;
    let managers = sqlx::query!(
        "SELECT m.email, m.display_name FROM group_memberships gm
         JOIN members m ON m.id = gm.member_id
         LEFT JOIN notification_settings s ON s.member_id = m.id
         WHERE gm.group_id = $1 AND gm.role = 'manager' AND gm.notify
           AND coalesce(s.email, 'batched') <> 'off'
           AND m.suspended_at IS NULL AND m.deleted_at IS NULL",
        group_id
    )
    .fetch_all(&mut *tx)
    .await?;
    for manager in managers {
        crate::backend::notifications::queue_join_request(
            tx,
            public_url,
            &manager.email,
            &manager.display_name,
            (&asker, &group.name, &group.slug),
        )
        .await?;
    }
    Ok(())
}
