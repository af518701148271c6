//! What waits for a member in the community: invitations to groups, and requests
//! to join the groups they manage.

use crate::error::AppError;
use crate::model::group::{CommunityNews, GroupInvitation, RequestsWaiting};
use sqlx::PgPool;

/// At most this many of each kind are listed (the page links to the rest).
const NEWS_SHOWN: i64 = 20;

pub async fn news(pool: &PgPool, member_id: i64) -> Result<CommunityNews, AppError> {
    let invitations = sqlx::query!(
        "SELECT g.slug, g.name, inviter.display_name AS \"invited_by?\"
         FROM group_pending p
         JOIN groups g ON g.id = p.group_id
         LEFT JOIN members inviter ON inviter.id = p.invited_by
         WHERE p.member_id = $1 AND p.kind = 'invitation'
         ORDER BY p.created_at DESC LIMIT $2",
        member_id,
        NEWS_SHOWN
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| GroupInvitation {
        slug: r.slug,
        name: r.name,
        invited_by: r.invited_by,
    })
    .collect();
    let requests = sqlx::query!(
        r#"SELECT g.slug, g.name, count(*) AS "count!"
           FROM group_memberships gm
           JOIN groups g ON g.id = gm.group_id
           JOIN group_pending p ON p.group_id = gm.group_id AND p.kind = 'request'
           JOIN members asker ON asker.id = p.member_id
           WHERE gm.member_id = $1 AND gm.role = 'manager'
             AND asker.suspended_at IS NULL AND asker.deleted_at IS NULL
           GROUP BY g.id ORDER BY min(p.created_at) LIMIT $2"#,
        member_id,
        NEWS_SHOWN
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| RequestsWaiting {
        slug: r.slug,
        name: r.name,
        count: r.count,
    })
    .collect();
    Ok(CommunityNews {
        invitations,
        requests,
    })
}
