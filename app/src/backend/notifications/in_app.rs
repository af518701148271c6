//! The in-app notifications menu: unread conversations and requests to join the
//! groups the member manages, newest first.

use crate::error::AppError;
use crate::model::live::notice_text;
use crate::model::notification::NotificationItem;
use sqlx::PgPool;

pub async fn in_app_list(pool: &PgPool, member_id: i64) -> Result<Vec<NotificationItem>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT u.id AS "id!", u.last_message_at AS "at!",
                  coalesce(ag.name, am.display_name) AS "author!", vg.name AS "via_group?"
           FROM unread_conversations($1) u
           JOIN messages lm ON lm.id = u.last_message_id
           JOIN members am ON am.id = lm.author_id
           LEFT JOIN groups ag ON ag.id = lm.as_group_id
           LEFT JOIN groups vg ON vg.id = u.via_group_id
           LEFT JOIN group_memberships gm ON gm.group_id = u.via_group_id AND gm.member_id = $1
           WHERE coalesce((SELECT in_app FROM notification_settings WHERE member_id = $1), true)
             AND (u.via_group_id IS NULL OR coalesce(gm.notify, false))
             -- Not a message the member's own group sent (another manager wrote it).
             AND NOT coalesce(lm.as_group_id = u.via_group_id, false)
           ORDER BY u.last_message_at DESC, u.id DESC
           LIMIT 20"#,
        member_id
    )
    .fetch_all(pool)
    .await?;
    let mut items: Vec<NotificationItem> = rows
        .into_iter()
        .map(|r| NotificationItem {
            conversation_id: Some(r.id),
            link: format!("/conversations/{}", r.id),
            text: notice_text(&r.author, r.via_group.as_deref()),
            at: r.at,
        })
        .collect();
    items.extend(join_requests(pool, member_id).await?);
    items.sort_by_key(|item| std::cmp::Reverse(item.at));
    items.truncate(20);
    Ok(items)
}

/// Requests to join the groups the member manages (and did not silence), newest
/// first; answered on the group's page.
async fn join_requests(pool: &PgPool, member_id: i64) -> Result<Vec<NotificationItem>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT g.slug, g.name, m.display_name, p.created_at
           FROM group_memberships gm
           JOIN groups g ON g.id = gm.group_id AND g.closed_at IS NULL
           JOIN group_pending p ON p.group_id = gm.group_id AND p.kind = 'request'
           JOIN members m ON m.id = p.member_id AND m.suspended_at IS NULL AND m.deleted_at IS NULL
           WHERE gm.member_id = $1 AND gm.role = 'manager' AND gm.notify
             AND coalesce((SELECT in_app FROM notification_settings WHERE member_id = $1), true)
           ORDER BY p.created_at DESC
           LIMIT 20"#,
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| NotificationItem {
        conversation_id: None,
        link: format!("/groups/{}", r.slug),
        text: format!("{} asked to join {}", r.display_name, r.name),
        at: r.created_at,
    })
    .collect())
}
