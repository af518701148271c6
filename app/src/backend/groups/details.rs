//! A group's page: who manages it, who is in it, how the viewer stands, and for
//! its managers the requests to join.

use crate::error::AppError;
use crate::model::group::{
    GroupDetails, JoinRequest, MemberLink, Membership, GROUP_MEMBERS_SHOWN, GROUP_REQUESTS_SHOWN,
};
use sqlx::PgPool;

pub async fn details(
    pool: &PgPool,
    slug: &str,
    viewer: Option<i64>,
    members_after: Option<i64>,
) -> Result<Option<GroupDetails>, AppError> {
    let Some(group) = sqlx::query!(
        r#"SELECT g.id, g.slug, g.name, g.description, g.is_open, g.closed_at IS NOT NULL AS "closed!", g.avatar,
                  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS "member_count!",
                  (SELECT gm.role FROM group_memberships gm
                    WHERE gm.group_id = g.id AND gm.member_id = $2) AS viewer_role,
                  (SELECT p.kind FROM group_pending p
                    WHERE p.group_id = g.id AND p.member_id = $2) AS viewer_pending
           FROM groups g WHERE g.slug = $1"#,
        slug,
        viewer
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    // Managers are few (a group's people who answer for it): all of them.
    let managers = sqlx::query_as!(
        PersonRow,
        r#"SELECT m.id, m.handle, m.display_name
           FROM group_memberships gm JOIN members m ON m.id = gm.member_id
           WHERE gm.group_id = $1 AND gm.role = 'manager'
             AND m.suspended_at IS NULL AND m.deleted_at IS NULL
           ORDER BY gm.sort_name, gm.member_id
           LIMIT $2"#,
        group.id,
        GROUP_MEMBERS_SHOWN
    )
    .fetch_all(pool)
    .await?;
    // Members by keyset on (name, id), read from the group's own index
    // (`group_memberships_by_name`), so the thousandth page costs what the first does.
    let mut members = sqlx::query_as!(
        PersonRow,
        r#"SELECT m.id, m.handle, m.display_name
           FROM group_memberships gm JOIN members m ON m.id = gm.member_id
           WHERE gm.group_id = $1 AND gm.role = 'member'
             AND ($2::bigint IS NULL OR (gm.sort_name, gm.member_id) >
                  (SELECT fold_name(c.display_name), c.id FROM members c WHERE c.id = $2))
             AND m.suspended_at IS NULL AND m.deleted_at IS NULL
           ORDER BY gm.sort_name, gm.member_id
           LIMIT $3"#,
        group.id,
        members_after,
        GROUP_MEMBERS_SHOWN + 1
    )
    .fetch_all(pool)
    .await?;
    let members_next = if members.len() as i64 > GROUP_MEMBERS_SHOWN {
        members.truncate(GROUP_MEMBERS_SHOWN as usize);
        members.last().map(|m| m.id)
    } else {
        None
    };
    let viewer_state = match (
        viewer,
        group.viewer_role.as_deref(),
        group.viewer_pending.as_deref(),
    ) {
        (None, _, _) => Membership::SignedOut,
        (Some(_), Some("manager"), _) => Membership::Manager,
        (Some(_), Some(_), _) => Membership::Member,
        (Some(_), None, Some("request")) => Membership::Requested,
        (Some(_), None, Some(_)) => Membership::Invited,
        (Some(_), None, None) => Membership::Outsider,
    };
    let requests = if viewer_state == Membership::Manager {
        join_requests(pool, group.id).await?
    } else {
        Vec::new()
    };
    Ok(Some(GroupDetails {
        slug: group.slug,
        name: group.name,
        description: group.description,
        is_open: group.is_open,
        managers: links(managers),
        members: links(members),
        member_count: group.member_count,
        viewer: viewer_state,
        requests,
        closed_by_admin: group.closed,
        members_next,
        avatar: group.avatar,
    }))
}

struct PersonRow {
    id: i64,
    handle: String,
    display_name: String,
}

fn links(people: Vec<PersonRow>) -> Vec<MemberLink> {
    people
        .into_iter()
        .map(|p| MemberLink {
            handle: p.handle,
            display_name: p.display_name,
        })
        .collect()
}

/// The requests to join, oldest first (only ever shown to the group's managers).
async fn join_requests(pool: &PgPool, group_id: i64) -> Result<Vec<JoinRequest>, AppError> {
    Ok(sqlx::query!(
        "SELECT m.handle, m.display_name, p.created_at
         FROM group_pending p JOIN members m ON m.id = p.member_id
         WHERE p.group_id = $1 AND p.kind = 'request'
           AND m.suspended_at IS NULL AND m.deleted_at IS NULL
         ORDER BY p.created_at, p.member_id
         LIMIT $2",
        group_id,
        GROUP_REQUESTS_SHOWN
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| JoinRequest {
        member: MemberLink {
            handle: r.handle,
            display_name: r.display_name,
        },
        asked_at: r.created_at,
    })
    .collect())
}
