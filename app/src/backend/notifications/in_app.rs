//! The in-app notifications menu: unread conversations, newest first.

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
    Ok(rows
        .into_iter()
        .map(|r| NotificationItem {
            conversation_id: r.id,
            text: notice_text(&r.author, r.via_group.as_deref()),
            at: r.at,
        })
        .collect())
}
