//! Groups: the SQL behind the group directory, group pages and membership (server only).

use crate::backend::permissions;
use crate::error::AppError;
use crate::model::group::{
    GroupDetails, GroupSummary, MemberLink, Membership, GROUP_MEMBERS_SHOWN,
};
use sqlx::PgPool;

pub async fn list(pool: &PgPool, query: &str) -> Result<Vec<GroupSummary>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT g.slug, g.name, g.description, g.is_open,
                  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS "member_count!"
           FROM groups g
           WHERE $1 = '' OR g.search_name LIKE '%' || fold_name($1) || '%'
           ORDER BY fold_name(g.name)"#,
        crate::backend::members::like_escape(query)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| GroupSummary {
            slug: r.slug,
            name: r.name,
            description: r.description,
            is_open: r.is_open,
            member_count: r.member_count,
        })
        .collect())
}

pub async fn details(
    pool: &PgPool,
    slug: &str,
    viewer: Option<i64>,
) -> Result<Option<GroupDetails>, AppError> {
    let Some(group) = sqlx::query!(
        r#"SELECT g.id, g.slug, g.name, g.description, g.is_open,
                  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS "member_count!",
                  (SELECT gm.role FROM group_memberships gm
                    WHERE gm.group_id = g.id AND gm.member_id = $2) AS viewer_role
           FROM groups g WHERE g.slug = $1"#,
        slug,
        viewer
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let people = sqlx::query_as!(
        PersonRow,
        r#"SELECT m.handle, m.display_name, gm.role = 'manager' AS "is_manager!"
           FROM group_memberships gm JOIN members m ON m.id = gm.member_id
           WHERE gm.group_id = $1 AND m.suspended_at IS NULL AND m.deleted_at IS NULL
           ORDER BY gm.role = 'manager' DESC, fold_name(m.display_name)
           LIMIT $2"#,
        group.id,
        GROUP_MEMBERS_SHOWN
    )
    .fetch_all(pool)
    .await?;
    let (managers, members): (Vec<_>, Vec<_>) = people.into_iter().partition(|p| p.is_manager);
    let links = |people: Vec<_>| -> Vec<MemberLink> {
        people
            .into_iter()
            .map(|p: PersonRow| MemberLink {
                handle: p.handle,
                display_name: p.display_name,
            })
            .collect()
    };
    Ok(Some(GroupDetails {
        slug: group.slug,
        name: group.name,
        description: group.description,
        is_open: group.is_open,
        managers: links(managers),
        members: links(members),
        member_count: group.member_count,
        viewer: match (viewer, group.viewer_role.as_deref()) {
            (None, _) => Membership::SignedOut,
            (Some(_), Some("manager")) => Membership::Manager,
            (Some(_), Some(_)) => Membership::Member,
            (Some(_), None) => Membership::Outsider,
        },
    }))
}

struct PersonRow {
    handle: String,
    display_name: String,
    is_manager: bool,
}

pub async fn join(pool: &PgPool, slug: &str, member_id: i64) -> Result<(), AppError> {
    let group = sqlx::query!("SELECT id, is_open FROM groups WHERE slug = $1", slug)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    permissions::may_join_group(group.is_open)?;
    sqlx::query!(
        "INSERT INTO group_memberships (group_id, member_id, role) VALUES ($1, $2, 'member')
         ON CONFLICT DO NOTHING",
        group.id,
        member_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn leave(pool: &PgPool, slug: &str, member_id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = sqlx::query!("SELECT id FROM groups WHERE slug = $1 FOR UPDATE", slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let membership = sqlx::query!(
        r#"SELECT role,
                  (SELECT count(*) FROM group_memberships WHERE group_id = $1 AND role = 'manager') AS "managers!"
           FROM group_memberships WHERE group_id = $1 AND member_id = $2"#,
        group.id,
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(membership) = membership else {
        return Ok(()); // Not a member: leaving again changes nothing.
    };
    permissions::may_leave_group(membership.role == "manager", membership.managers)?;
    sqlx::query!(
        "DELETE FROM group_memberships WHERE group_id = $1 AND member_id = $2",
        group.id,
        member_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
