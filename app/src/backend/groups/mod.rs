//! Groups: the directory, a group's page, and membership as members and managers
//! change it (server only). One job per file; who may do what is decided in
//! `permissions`.

mod create;
mod details;
mod directory;
mod edit;
mod invitations;
mod membership;
mod news;
mod requests;
mod roles;

pub use create::create;
pub use details::details;
pub use directory::list;
pub use edit::edit;
pub use invitations::invite;
pub(crate) use membership::add_member;
pub use membership::{join, leave, request_to_join};
pub use news::news;
pub use requests::answer_request;
pub use roles::{remove_member, set_manager};

use crate::error::AppError;
use sqlx::PgConnection;

/// A group as the membership functions need it.
pub(crate) struct GroupRef {
    pub id: i64,
    pub is_open: bool,
}

/// The group at `slug`, locked until the transaction ends so that changes to its
/// members are made one after the other (the last manager stays, whatever runs at
/// the same time); `NotFound` if there is none or it was closed.
pub(crate) async fn lock(conn: &mut PgConnection, slug: &str) -> Result<GroupRef, AppError> {
    sqlx::query_as!(
        GroupRef,
        "SELECT id, is_open FROM groups WHERE slug = $1 AND closed_at IS NULL FOR UPDATE",
        slug.to_lowercase()
    )
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The member with this handle who can take part (not suspended or deleted);
/// `NotFound` otherwise.
pub(crate) async fn member_id(conn: &mut PgConnection, handle: &str) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "SELECT id FROM members
         WHERE handle = $1 AND suspended_at IS NULL AND deleted_at IS NULL",
        handle.trim().trim_start_matches('@').to_lowercase()
    )
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The role of `member_id` in the group: `manager`, `member`, or none.
pub(crate) async fn role(
    conn: &mut PgConnection,
    group_id: i64,
    member_id: i64,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT role FROM group_memberships WHERE group_id = $1 AND member_id = $2",
        group_id,
        member_id
    )
    .fetch_optional(conn)
    .await?)
}

/// How many managers the group has now.
pub(crate) async fn manager_count(conn: &mut PgConnection, group_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM group_memberships WHERE group_id = $1 AND role = 'manager'"#,
        group_id
    )
    .fetch_one(conn)
    .await?)
}

/// The id of the open group at `slug` if `member_id` manages it (for its avatar);
/// `NotFound` for no such group, `Forbidden` for anyone but its managers.
pub async fn managed_group(
    pool: &sqlx::PgPool,
    slug: &str,
    member_id: i64,
) -> Result<i64, AppError> {
    let row = sqlx::query!(
        r#"SELECT g.id, (SELECT gm.role FROM group_memberships gm
                         WHERE gm.group_id = g.id AND gm.member_id = $2) AS role
           FROM groups g WHERE g.slug = $1 AND g.closed_at IS NULL"#,
        slug.to_lowercase(),
        member_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    crate::backend::permissions::may_manage_group(row.role.as_deref())?;
    Ok(row.id)
}
