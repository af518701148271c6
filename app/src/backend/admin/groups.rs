//! The groups list of `/admin`: closing a group and appointing a manager.

use super::{log, Logged};
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::admin::AdminGroup;
use sqlx::PgPool;

/// Every group, closed ones last, filtered by name or handle.
pub async fn groups(pool: &PgPool, query: &str) -> Result<Vec<AdminGroup>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT g.slug, g.name, g.is_open, g.closed_at,
                  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS "member_count!",
                  ARRAY(SELECT m.display_name || ' (@' || m.handle || ')'
                        FROM group_memberships gm JOIN members m ON m.id = gm.member_id
                        WHERE gm.group_id = g.id AND gm.role = 'manager'
                        ORDER BY m.display_name LIMIT 5) AS "managers!"
           FROM groups g
           WHERE $1 = '' OR g.search_name LIKE '%' || fold_name($1) || '%'
           ORDER BY g.closed_at IS NOT NULL, fold_name(g.name) LIMIT 200"#,
        crate::backend::members::like_escape(query)
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| AdminGroup {
        slug: r.slug,
        name: r.name,
        is_open: r.is_open,
        member_count: r.member_count,
        managers: r.managers,
        closed: r.closed_at,
    })
    .collect())
}

/// Closes a group: it leaves the directory and search, nobody joins it or writes
/// as it, and its conversations stay readable but take no new messages
/// (`permissions::ReadOnly::ClosedGroup`).
pub async fn close_group(
    pool: &PgPool,
    admin: &Viewer,
    slug: &str,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = crate::backend::groups::lock(&mut tx, slug).await?;
    sqlx::query!(
        "UPDATE groups SET closed_at = now() WHERE id = $1",
        group.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM group_pending WHERE group_id = $1", group.id)
        .execute(&mut *tx)
        .await?;
    log(
        &mut tx,
        admin.id,
        Logged::group("close_group", group.id, None, note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a member a manager of an open group (joining them to it if needed), for
/// a group whose managers are gone or unreachable.
pub async fn appoint_manager(
    pool: &PgPool,
    admin: &Viewer,
    slug: &str,
    handle: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = crate::backend::groups::lock(&mut tx, slug).await?;
    let member_id = crate::backend::groups::member_id(&mut tx, handle).await?;
    // In the group as any member joins it (whatever was pending cleared), then a manager.
    crate::backend::groups::add_member(&mut tx, group.id, member_id).await?;
    sqlx::query!(
        "UPDATE group_memberships SET role = 'manager' WHERE group_id = $1 AND member_id = $2",
        group.id,
        member_id
    )
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        admin.id,
        Logged::group("appoint_manager", group.id, Some(member_id), ""),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
