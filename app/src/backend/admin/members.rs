//! The members list of `/admin` and what an administrator does to a member.

use super::{lock_member, log, Logged};
use crate::domain::admin::role_name;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::{Role, Viewer};
use crate::model::admin::{AdminMember, AdminMemberPage};
use sqlx::PgPool;

pub const ADMIN_PAGE_SIZE: i64 = 50;

/// Members newest first, filtered by name, handle or email (suspended ones
/// included, deleted ones not), paged by keyset on the id.
pub async fn members(
    pool: &PgPool,
    query: &str,
    after: Option<i64>,
) -> Result<AdminMemberPage, AppError> {
    let escaped = crate::backend::members::like_escape(query);
    let mut rows = sqlx::query!(
        r#"SELECT id, handle, display_name, email, role, created_at, suspended_at IS NOT NULL AS "suspended!"
           FROM members
           WHERE deleted_at IS NULL AND ($2::bigint IS NULL OR id < $2)
             AND ($1 = '' OR search_name LIKE '%' || fold_name($1) || '%' OR email LIKE lower($1) || '%')
           ORDER BY id DESC LIMIT $3"#,
        escaped,
        after,
        ADMIN_PAGE_SIZE + 1
    )
    .fetch_all(pool)
    .await?;
    let next = (rows.len() as i64 > ADMIN_PAGE_SIZE).then(|| {
        rows.truncate(ADMIN_PAGE_SIZE as usize);
        rows.last().map(|r| r.id)
    });
    Ok(AdminMemberPage {
        members: rows
            .into_iter()
            .map(|r| AdminMember {
                id: r.id,
                handle: r.handle,
                display_name: r.display_name,
                email: r.email,
                role: Role::from_db(&r.role),
                joined: r.created_at,
                suspended: r.suspended,
            })
            .collect(),
        next: next.flatten(),
    })
}

/// Grants or revokes moderator and administrator. An administrator never changes
/// their own role, so the portal always keeps the one who is acting.
pub async fn set_role(
    pool: &PgPool,
    admin: &Viewer,
    handle: &str,
    role: Role,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let (member_id, before) = lock_member(&mut tx, handle).await?;
    if member_id == admin.id {
        return Err(AppError::Refused(k::error_own_role.into()));
    }
    if before == role {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE members SET role = $2 WHERE id = $1",
        member_id,
        role_name(role)
    )
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        admin.id,
        Logged::member(
            "set_role",
            member_id,
            format!("{} → {}", role_name(before), role_name(role)),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends a member (not an administrator: revoke the role first).
pub async fn suspend(
    pool: &PgPool,
    admin: &Viewer,
    handle: &str,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let (member_id, role) = lock_member(&mut tx, handle).await?;
    if role == Role::Admin {
        return Err(AppError::Refused(k::error_admin_not_suspendable.into()));
    }
    if crate::backend::moderation::suspend_member(&mut tx, member_id).await? {
        log(
            &mut tx,
            admin.id,
            Logged::member("suspend", member_id, note),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Lifts a suspension: the member can sign in again.
pub async fn lift(pool: &PgPool, admin: &Viewer, handle: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let (member_id, _) = lock_member(&mut tx, handle).await?;
    if crate::backend::moderation::lift_suspension(&mut tx, member_id).await? {
        log(
            &mut tx,
            admin.id,
            Logged::member("lift_suspension", member_id, ""),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
